import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultMaxLineBytes, LineFramer } from "./line-framer.ts";

const newline = 0x0a;
const carriageReturn = 0x0d;

/** What the framer promises, computed the obvious way on the whole stream at once. */
function referenceSplit(stream: Buffer, maxLineBytes: number): { lines: string[]; overLong: number } {
  const lines: string[] = [];
  let overLong = 0;
  const segments: Buffer[] = [];
  let start = 0;
  for (let index = stream.indexOf(newline); index !== -1; index = stream.indexOf(newline, start)) {
    segments.push(stream.subarray(start, index));
    start = index + 1;
  }
  // The unterminated tail counts as a line only when it holds something (end() flushes it).
  if (start < stream.length) segments.push(stream.subarray(start));
  for (const segment of segments) {
    const content = segment.at(-1) === carriageReturn ? segment.subarray(0, -1) : segment;
    if (content.length > maxLineBytes) overLong += 1;
    else lines.push(content.toString("utf8"));
  }
  return { lines, overLong };
}

function frame(chunks: readonly Buffer[], maxLineBytes?: number) {
  const lines: string[] = [];
  const warnings: string[] = [];
  const framer = new LineFramer({
    maxLineBytes,
    onLine: (line) => lines.push(line),
    onWarning: (message) => warnings.push(message),
  });
  for (const chunk of chunks) framer.push(chunk);
  framer.end();
  return { lines, warnings };
}

/** Cuts `stream` at the given offsets (any order, duplicates give empty chunks). */
function cut(stream: Buffer, offsets: readonly number[]): Buffer[] {
  const points = offsets.map((offset) => offset % (stream.length + 1)).sort((left, right) => left - right);
  const chunks: Buffer[] = [];
  let previous = 0;
  for (const point of points) {
    chunks.push(stream.subarray(previous, point));
    previous = point;
  }
  chunks.push(stream.subarray(previous));
  return chunks;
}

// Pieces a misbehaving child could print: terminators, NUL, invalid and truncated UTF-8, lone surrogates
// encoded as WTF-8, multi-byte characters, and runs long enough to cross the limit.
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom([newline], [carriageReturn], [carriageReturn, newline], [0x00]) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      [0xff],
      [0xfe, 0xff],
      [0xc3],
      [0xe2, 0x82],
      [0xed, 0xa0, 0x80],
      [0xf0, 0x9f, 0x91],
      [0xc0, 0xaf],
      [...Buffer.from("é")],
      [...Buffer.from("👋")],
      [...Buffer.from('{"jsonrpc":"2.0"}')],
    ),
  },
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 6 }).map((bytes) => [...bytes]) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 60 }).map((length) => Array<number>(length).fill(0x78)) },
);
const stream = fc.array(piece, { maxLength: 40 }).map((pieces) => Buffer.from(pieces.flat()));

describe("LineFramer under random byte streams", () => {
  it("yields exactly the lines of a whole-stream split, whatever the chunking, and one warning per over-long line", () => {
    fc.assert(
      fc.property(
        stream,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 24 }),
        (bytes, offsets, maxLineBytes) => {
          const expected = referenceSplit(bytes, maxLineBytes);
          const actual = frame(cut(bytes, offsets), maxLineBytes);
          expect(actual.lines).toEqual(expected.lines);
          expect(actual.warnings).toHaveLength(expected.overLong);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives the same lines fed one byte at a time as fed in one chunk", () => {
    fc.assert(
      fc.property(stream, fc.integer({ min: 1, max: 24 }), (bytes, maxLineBytes) => {
        const whole = frame([bytes], maxLineBytes);
        const byteByByte = frame(
          [...bytes].map((byte) => Buffer.from([byte])),
          maxLineBytes,
        );
        expect(byteByByte).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it("discards an unterminated last line one byte over the limit, as it would a terminated one", () => {
    // Found by the property above: end() used to flush the spare byte kept for a `\r` still in flight.
    expect(frame([Buffer.from("ok\n12345")], 4)).toEqual({
      lines: ["ok"],
      warnings: [expect.stringContaining("4 bytes")],
    });
    expect(frame([Buffer.from("ok\n1234\r")], 4).lines).toEqual(["ok", "1234"]);
  });

  it("keeps going after a line past the default 16 MiB limit, streamed in 64 KiB chunks", () => {
    const chunkSize = 64 * 1024;
    const filler = Buffer.alloc(chunkSize, 0x61);
    const chunks: Buffer[] = [Buffer.from('{"before":1}\n')];
    for (let sent = 0; sent <= defaultMaxLineBytes; sent += chunkSize) chunks.push(filler);
    chunks.push(Buffer.from('"}\r\n{"after":2}\r\n'));
    const { lines, warnings } = frame(chunks);
    expect(lines).toEqual(['{"before":1}', '{"after":2}']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${defaultMaxLineBytes} bytes`);
  });
});
