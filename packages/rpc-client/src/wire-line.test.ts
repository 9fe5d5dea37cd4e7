import { describe, expect, it } from "vitest";
import { defaultJsonLimits } from "./json-limits.ts";
import { lineTooComplexError, readWireLine } from "./wire-line.ts";

const read = (line: string) => readWireLine(line, defaultJsonLimits);

describe("readWireLine", () => {
  it("sorts notifications, text, non-objects and other JSON apart", () => {
    expect(read('{"jsonrpc":"2.0","method":"message","params":{"subscription":1}}')).toEqual({
      kind: "notification",
      method: "message",
      params: { subscription: 1 },
    });
    expect(read("⚠️  Permission Error: Cannot access Messages database")).toEqual({ kind: "not-json" });
    expect(read("[1,2,3]")).toEqual({ kind: "not-object" });
    expect(read("null")).toEqual({ kind: "not-object" });
    expect(read('{"jsonrpc":"2.0","id":1}')).toEqual({ kind: "neither" });
  });

  it("shapes responses for json-rpc-2.0: an error wins over a result, a missing id is null", () => {
    expect(read('{"jsonrpc":"2.0","id":4,"result":{"ok":true}}')).toEqual({
      kind: "response",
      response: { jsonrpc: "2.0", id: 4, result: { ok: true } },
    });
    expect(read('{"jsonrpc":"2.0","id":4,"result":{},"error":{"code":-32603,"message":"x"}}')).toEqual({
      kind: "response",
      response: { jsonrpc: "2.0", id: 4, error: { code: -32603, message: "x" } },
    });
    expect(read('{"jsonrpc":"2.0","error":{"code":-32603,"message":"write failed"}}')).toEqual({
      kind: "response",
      response: { jsonrpc: "2.0", id: null, error: { code: -32603, message: "write failed" } },
    });
    expect(read('{"jsonrpc":"2.0","id":5,"result":null,"error":null}')).toEqual({
      kind: "response",
      response: { jsonrpc: "2.0", id: 5, result: null },
    });
  });

  it("leaves a line over the nesting limit unparsed and names the limit in its log error", () => {
    const line = `{"id":1,"result":${"[".repeat(200)}${"]".repeat(200)}}`;
    const sorted = read(line);
    expect(sorted).toEqual({ kind: "too-complex", exceeded: { limit: "depth", index: expect.any(Number) } });
    if (sorted.kind !== "too-complex") return;
    const error = lineTooComplexError(line, sorted.exceeded, defaultJsonLimits);
    expect(error.code).toBe("LINE_TOO_COMPLEX");
    expect(error.message).toContain("nested deeper than 128 levels (maxJsonDepth)");
    expect(error.message).toContain(`(${line.length} chars`);
  });
});
