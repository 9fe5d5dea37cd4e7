import { describe, expect, it } from "vitest";
import { capText, isUrlOnlyText, mergeableText } from "./merge.ts";

describe("capText", () => {
  it("leaves text at the limit alone", () => {
    expect(capText("a".repeat(4000))).toEqual({ text: "a".repeat(4000), truncated: false });
  });

  it("cuts text over the limit to exactly the limit, ending with the marker", () => {
    const { text, truncated } = capText("a".repeat(4001));
    expect(truncated).toBe(true);
    expect(text).toBe(`${"a".repeat(3988)}…[truncated]`);
    expect(text).toHaveLength(4000);
  });

  it("never splits an emoji or a family grapheme at the cut", () => {
    const family = "👨‍👩‍👧";
    const { text } = capText(`${"a".repeat(20)}${family}${"b".repeat(20)}`, 25, "…");
    expect(text).toBe(`${"a".repeat(20)}…`);
    expect(text.isWellFormed()).toBe(true);
  });
});

describe("mergeableText", () => {
  it("drops object-replacement placeholders and edge spaces", () => {
    expect(mergeableText(" \uFFFC caption \uFFFC")).toBe("caption");
  });
});

describe("isUrlOnlyText", () => {
  it.each([
    ["https://example.com/article?x=1", true],
    ["  http://example.com  ", true],
    ["\uFFFChttps://example.com", true],
    ["Dump https://example.com", false],
    ["example.com", false],
    ["", false],
  ])("%j → %s", (text, expected) => {
    expect(isUrlOnlyText(text)).toBe(expected);
  });
});
