import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { defaultJsonLimits, exceededJsonLimit } from "./json-limits.ts";

const recorded = readFileSync(new URL("./__fixtures__/watch-replay.notifications.jsonl", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line !== "");
const limits = { maxDepth: 8, maxContainers: 20 };

function nested(depth: number): string {
  return `${"[".repeat(depth)}${"]".repeat(depth)}`;
}

describe("exceededJsonLimit", () => {
  it("passes every recorded imsg line, and a history-sized answer", () => {
    for (const line of recorded) expect(exceededJsonLimit(line)).toBeUndefined();
    const messages = recorded.map((line) => (JSON.parse(line) as { params: { message: unknown } }).params.message);
    const history = JSON.stringify({ jsonrpc: "2.0", id: 3, result: { messages: Array(800).fill(messages).flat() } });
    expect(exceededJsonLimit(history)).toBeUndefined();
  });

  it("finds nesting one level past the limit, in arrays and in objects", () => {
    expect(exceededJsonLimit(nested(8), limits)).toBeUndefined();
    expect(exceededJsonLimit(nested(9), limits)).toEqual({ limit: "depth", index: 8 });
    expect(exceededJsonLimit(`${'{"a":'.repeat(9)}1${"}".repeat(9)}`, limits)).toEqual({ limit: "depth", index: 40 });
    const deep = `{"jsonrpc":"2.0","method":"message","params":{"subscription":1,"message":${nested(500_000)}}}`;
    // Two objects are open when the arrays start.
    const overLimit = deep.indexOf("[") + defaultJsonLimits.maxDepth - 2;
    expect(exceededJsonLimit(deep)).toEqual({ limit: "depth", index: overLimit });
  });

  it("counts depth, not brackets: siblings close before the next opens", () => {
    expect(exceededJsonLimit(`[${Array(20).fill(nested(7)).join(",")}]`, { maxDepth: 8, maxContainers: 1000 })).toBe(
      undefined,
    );
  });

  it("ignores brackets inside strings", () => {
    expect(exceededJsonLimit(JSON.stringify({ text: "[".repeat(1000) }), limits)).toBeUndefined();
    expect(exceededJsonLimit(JSON.stringify({ text: "{[".repeat(500), more: ["]}"] }), limits)).toBeUndefined();
    expect(exceededJsonLimit(JSON.stringify(["[[[", { "[[[[[[[[[[": "{{{{{{{{{{" }]), limits)).toBeUndefined();
  });

  it("ignores escaped quotes inside strings, and sees where a string really ends", () => {
    // "\"[[[…" stays one string: the quote is escaped.
    expect(exceededJsonLimit(JSON.stringify({ text: `"${"[".repeat(50)}` }), limits)).toBeUndefined();
    expect(exceededJsonLimit(JSON.stringify({ text: `\\"${"[".repeat(50)}\\\\\\"` }), limits)).toBeUndefined();
    // "\\" ends at its third quote (an escaped backslash); the brackets after it are real.
    const afterEscapedBackslash = `["\\\\",${nested(9)}]`;
    expect(JSON.parse(afterEscapedBackslash)).toHaveLength(2);
    expect(exceededJsonLimit(afterEscapedBackslash, limits)).toEqual({ limit: "depth", index: 13 });
  });

  it("counts every object and array of a wide line", () => {
    expect(exceededJsonLimit(`[${Array(19).fill("{}").join(",")}]`, limits)).toBeUndefined();
    expect(exceededJsonLimit(`[${Array(20).fill("{}").join(",")}]`, limits)).toEqual({
      limit: "containers",
      index: 58,
    });
    expect(exceededJsonLimit(`[${"{},".repeat(200_000)}{}]`)).toMatchObject({ limit: "containers" });
  });

  it("passes text that is not JSON, and values without objects or arrays", () => {
    expect(exceededJsonLimit("imsg-sim: this line is deliberately not JSON {")).toBeUndefined();
    expect(exceededJsonLimit(`"${"x".repeat(100_000)}"`)).toBeUndefined();
    expect(exceededJsonLimit(`{"a":"${"[".repeat(200)}`)).toBeUndefined();
  });
});
