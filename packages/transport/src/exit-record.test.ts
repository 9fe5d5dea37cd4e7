import { describe, expect, it } from "vitest";
import { ExitRecord } from "./exit-record.ts";

describe("ExitRecord", () => {
  it("keeps the first end reported and resolves exited with it", async () => {
    const record = new ExitRecord();
    expect(record.finish({ code: null, signal: null, reason: "spawn failed" })).toBe(true);
    expect(record.finish({ code: 1, signal: null, reason: "closed" })).toBe(false);
    expect(await record.exited).toEqual({ code: null, signal: null, reason: "spawn failed" });
    expect(record.exit?.reason).toBe("spawn failed");
  });

  it("tells whether the end came within a wait", async () => {
    const record = new ExitRecord();
    expect(await record.endsWithin(5)).toBe(false);
    const waiting = record.endsWithin(5_000);
    record.finish({ code: 0, signal: null, reason: "exited" });
    expect(await waiting).toBe(true);
  });
});
