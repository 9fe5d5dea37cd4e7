import { describe, expect, it } from "vitest";
import { formatBubble } from "./demo-wrap.ts";

describe("formatBubble", () => {
  it("wraps a long reply at word boundaries within the width, every word intact and in order", () => {
    const text = Array.from({ length: 9 }, (_, index) => `Sentence ${index + 1} says something useful.`).join(" ");
    const bubble = formatBubble("assistant", text, 60);
    const lines = bubble.split("\n");
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.every((line) => line.length <= 60)).toBe(true);
    expect(lines[0]).toMatch(/^assistant> Sentence 1/);
    expect(lines.slice(1).every((line) => line.startsWith(" ".repeat("assistant> ".length)))).toBe(true);
    expect(lines.map((line) => line.slice("assistant> ".length)).join(" ")).toBe(text);
  });

  it("keeps the reply's own line breaks and splits only a word longer than a line", () => {
    expect(formatBubble("you", "one\n\ntwo", 80)).toBe("you> one\n\n     two");
    const long = "x".repeat(50);
    const lines = formatBubble("you", long, 30).split("\n");
    expect(lines.map((line) => line.trim().replace(/^you> /, "")).join("")).toBe(long);
    expect(lines.every((line) => line.length <= 30)).toBe(true);
  });
});
