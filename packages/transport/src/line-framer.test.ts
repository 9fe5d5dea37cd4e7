import { describe, expect, it } from "vitest";
import { LineFramer } from "./line-framer.ts";

function frame(chunks: Buffer[], maxLineBytes?: number) {
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

/** Every split of `text` into two chunks at each byte offset. */
function everySplit(bytes: Buffer): Buffer[][] {
  const splits: Buffer[][] = [];
  for (let at = 0; at <= bytes.length; at += 1) splits.push([bytes.subarray(0, at), bytes.subarray(at)]);
  return splits;
}

describe("LineFramer", () => {
  it("splits LF and CRLF lines and keeps empty lines", () => {
    const { lines } = frame([Buffer.from('{"a":1}\r\n\n{"b":2}\nlast')]);
    expect(lines).toEqual(['{"a":1}', "", '{"b":2}', "last"]);
  });

  it("reassembles lines split at every byte offset, including inside multi-byte UTF-8 and CRLF", () => {
    const text = 'héllo 👋 wörld\r\n{"text":"日本語"}\n';
    for (const chunks of everySplit(Buffer.from(text))) {
      expect(frame(chunks).lines).toEqual(["héllo 👋 wörld", '{"text":"日本語"}']);
    }
  });

  it("reassembles a line delivered one byte at a time", () => {
    const bytes = Buffer.from("ab👋c\r\nd\n");
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    expect(frame(chunks).lines).toEqual(["ab👋c", "d"]);
  });

  it("does not reuse the caller's chunk buffer after push returns", () => {
    const lines: string[] = [];
    const framer = new LineFramer({ onLine: (line) => lines.push(line), onWarning: () => {} });
    const chunk = Buffer.from("abc");
    framer.push(chunk);
    chunk.fill(0x7a);
    framer.push(Buffer.from("d\n"));
    expect(lines).toEqual(["abcd"]);
  });

  it("discards an over-long line with one warning and continues with the next line", () => {
    const long = "x".repeat(40);
    const { lines, warnings } = frame(
      [Buffer.from(`ok\n${long.slice(0, 25)}`), Buffer.from(`${long.slice(25)}\nafter\n`)],
      16,
    );
    expect(lines).toEqual(["ok", "after"]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("16 bytes");
  });

  it("discards an over-long line that arrives in a single chunk", () => {
    const { lines, warnings } = frame([Buffer.from(`${"y".repeat(17)}\nnext\n`)], 16);
    expect(lines).toEqual(["next"]);
    expect(warnings).toHaveLength(1);
  });

  it("keeps a line of exactly the limit, with or without CR, even when the CR and LF arrive apart", () => {
    const exact = "z".repeat(16);
    expect(frame([Buffer.from(`${exact}\n`)], 16).lines).toEqual([exact]);
    expect(frame([Buffer.from(`${exact}\r`), Buffer.from("\n")], 16).lines).toEqual([exact]);
    expect(frame([Buffer.from(`${exact}\r\n`)], 16).lines).toEqual([exact]);
  });

  it("does not flush a discarded partial line at end of stream", () => {
    const { lines, warnings } = frame([Buffer.from("ok\n"), Buffer.from("w".repeat(30))], 16);
    expect(lines).toEqual(["ok"]);
    expect(warnings).toHaveLength(1);
  });
});
