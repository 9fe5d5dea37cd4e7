import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chunkText } from "./chunk-text.ts";
import { OutboundError } from "./outbound-error.ts";

const codePointLength = (text: string) => Array.from(text).length;
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The contract: text = w0 + c1 + w1 + … + cn + wn with every wi whitespace only. */
function reassembles(text: string, chunks: string[]): boolean {
  let cursor = 0;
  for (const chunk of chunks) {
    const at = text.indexOf(chunk, cursor);
    if (at < 0 || !/^\s*$/u.test(text.slice(cursor, at))) return false;
    cursor = at + chunk.length;
  }
  return /^\s*$/u.test(text.slice(cursor));
}

function graphemeBoundaries(text: string): Set<number> {
  return new Set([...Array.from(graphemes.segment(text), ({ index }) => index), text.length]);
}

describe("chunkText in length mode", () => {
  it("returns short text as one trimmed chunk and blank text as none", () => {
    expect(chunkText("  hello  ")).toEqual(["hello"]);
    expect(chunkText(" \n\t ")).toEqual([]);
  });

  it("breaks at the last whitespace inside the limit", () => {
    expect(chunkText("aaa bbb ccc ddd", { limit: 9 })).toEqual(["aaa bbb", "ccc ddd"]);
  });

  it("prefers a line break in the latter half of the window to a later space", () => {
    expect(chunkText("first line\nsecond part here", { limit: 20 })).toEqual(["first line", "second part here"]);
  });

  it("cuts a word longer than the limit at the limit", () => {
    expect(chunkText("abcdefghij", { limit: 4 })).toEqual(["abcd", "efgh", "ij"]);
  });

  it("counts UTF-16 units as the reference does, so an emoji is two and is never cut in half", () => {
    expect(chunkText("😀😀😀😀😀", { limit: 4 })).toEqual(["😀😀", "😀😀", "😀"]);
    expect(chunkText("😀😀😀", { limit: 2 })).toEqual(["😀", "😀", "😀"]);
    // An emoji-heavy reply stays within the limit as iMessage counts it (it reached twice the limit before).
    for (const chunk of chunkText("🎉".repeat(3000), { limit: 4000 })) expect(chunk.length).toBeLessThanOrEqual(4000);
  });

  it("keeps a family emoji (one grapheme of eight UTF-16 units) whole", () => {
    const family = "👨‍👩‍👧";
    expect(chunkText(`ab${family}cd`, { limit: 8 })).toEqual(["ab", family, "cd"]);
  });

  it("a code point longer than the limit is a chunk of its own, never half a surrogate pair", () => {
    expect(chunkText("a😀b", { limit: 1 })).toEqual(["a", "😀", "b"]);
  });

  it("splits by code points only a single grapheme longer than the whole limit", () => {
    const zalgo = `e${"\u0301".repeat(5)}`;
    expect(chunkText(zalgo, { limit: 4 })).toEqual([`e${"\u0301".repeat(3)}`, "\u0301\u0301"]);
  });

  it("fills chunks up to exactly 4000 code points by default", () => {
    const words = Array.from({ length: 1000 }, (_, index) => `w${String(index).padStart(3, "0")}`).join(" ");
    const chunks = chunkText(words);
    expect(chunks.map(codePointLength)).toEqual([3999, 999]);
    expect(chunks.join(" ")).toBe(words);
  });

  it.each([0, -1, 1.5, Number.NaN])("refuses a limit of %d", (limit) => {
    let error: unknown;
    try {
      chunkText("x", { limit });
    } catch (caught) {
      error = caught;
    }
    expect(OutboundError.isInstance(error) && error.code).toBe("CHUNK_LIMIT_INVALID");
  });
});

describe("chunkText in newline mode", () => {
  it("sends each paragraph on its own", () => {
    expect(chunkText("one\ntwo\n\nthree\n \n\nfour", { mode: "newline", limit: 100 })).toEqual([
      "one\ntwo",
      "three",
      "four",
    ]);
  });

  it("packs the lines of a long paragraph, then cuts a long line by length", () => {
    const text = "alpha beta\ngamma\ndelta epsilon zeta eta theta";
    expect(chunkText(text, { mode: "newline", limit: 16 })).toEqual([
      "alpha beta\ngamma",
      "delta epsilon",
      "zeta eta theta",
    ]);
  });
});

const wordy = fc
  .array(
    fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 12 }),
      fc.constantFrom(" ", "  ", "\n", "\n\n", "\r\n", "\t", " \n \n", "👨‍👩‍👧", "e\u0301", "🇫🇷"),
    ),
    { maxLength: 60 },
  )
  .map((parts) => parts.join(""));

const anyText = fc.oneof(wordy, fc.string({ unit: "binary", maxLength: 200 }));

describe.each(["length", "newline"] as const)("chunkText properties in %s mode", (mode) => {
  it("loses nothing but whitespace at the breaks, and no chunk exceeds the limit", () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 1, max: 40 }), (text, limit) => {
        const chunks = chunkText(text, { mode, limit });
        expect(reassembles(text, chunks)).toBe(true);
        for (const chunk of chunks) {
          expect(chunk.length).toBeGreaterThan(0);
          // At most `limit` UTF-16 units, unless a single code point is longer than the limit by itself.
          expect(chunk.length <= limit || codePointLength(chunk) === 1).toBe(true);
          expect(chunk.isWellFormed() || !text.isWellFormed()).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("never cuts inside a grapheme that fits the limit", () => {
    fc.assert(
      fc.property(wordy, fc.integer({ min: 8, max: 40 }), (text, limit) => {
        const boundaries = graphemeBoundaries(text);
        let cursor = 0;
        for (const chunk of chunkText(text, { mode, limit })) {
          const at = text.indexOf(chunk, cursor);
          expect(boundaries.has(at) && boundaries.has(at + chunk.length)).toBe(true);
          cursor = at + chunk.length;
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("chunkText newline mode property", () => {
  it("never puts two paragraphs in one chunk", () => {
    fc.assert(
      fc.property(wordy, fc.integer({ min: 1, max: 60 }), (text, limit) => {
        for (const chunk of chunkText(text, { mode: "newline", limit })) {
          expect(chunk).not.toMatch(/\n[^\S\n]*\n/);
        }
      }),
      { numRuns: 300 },
    );
  });
});
