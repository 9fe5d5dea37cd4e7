import { describe, expect, it } from "vitest";
import { boolParam, firstUsableStringParam, hasParam, intParam, stringArrayParam, stringParam } from "./rpc-params.ts";

describe("param coercion (docs/imsg-protocol.md#param-coercion)", () => {
  it("turns numbers and booleans into strings", () => {
    expect(stringParam({ to: 123 }, "to")).toBe("123");
    expect(stringParam({ to: true }, "to")).toBe("1");
    expect(stringParam({ to: { nested: 1 } }, "to")).toBeUndefined();
  });

  it("truncates numbers toward zero and accepts digit strings for ints", () => {
    expect(intParam({ limit: 2.9 }, "limit")).toBe(2);
    expect(intParam({ limit: -2.9 }, "limit")).toBe(-2);
    expect(intParam({ limit: "42" }, "limit")).toBe(42);
    expect(intParam({ limit: "4x" }, "limit")).toBeUndefined();
  });

  it("reads bools from booleans, numbers and exactly true/false strings", () => {
    expect(boolParam({ flag: 0 }, "flag")).toBe(false);
    expect(boolParam({ flag: 3 }, "flag")).toBe(true);
    expect(boolParam({ flag: "true" }, "flag")).toBe(true);
    expect(boolParam({ flag: "yes" }, "flag")).toBeUndefined();
  });

  it("reads string arrays from arrays (dropping unconvertible entries) or comma-separated text", () => {
    expect(stringArrayParam({ list: ["a", 5, null, false] }, "list")).toEqual(["a", "5", "0"]);
    expect(stringArrayParam({ list: " a, ,b ," }, "list")).toEqual(["a", "b"]);
  });

  it("lets the first present alias win even when unusable, except for first-usable lookups", () => {
    expect(stringParam({ message_id: null, message_guid: "G" }, "message_id", "message_guid")).toBeUndefined();
    expect(firstUsableStringParam({ text: null, message: "hi" }, "text", "message")).toBe("hi");
    expect(hasParam({ chat_guid: "" }, "chat_id", "chat_guid")).toBe(true);
  });
});
