import { describe, expect, it } from "vitest";
import { recordingLogger, silentLogger } from "./logger.ts";

describe("loggers", () => {
  it("recordingLogger keeps each entry with its level and fields, and the lines when asked", () => {
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    logger.warn({ rowid: 7 }, "row 7 waits");
    logger.info({}, "done");
    expect(logger.entries).toEqual([
      { level: "warn", message: "row 7 waits", fields: { rowid: 7 } },
      { level: "info", message: "done", fields: {} },
    ]);
    expect(logger.find("waits")?.fields).toEqual({ rowid: 7 });
    expect(lines).toEqual(["warn row 7 waits", "info done"]);
  });

  it("silentLogger takes every level and writes nothing", () => {
    expect(() => {
      silentLogger.debug({}, "a");
      silentLogger.error({ err: new Error("x") }, "b");
    }).not.toThrow();
  });
});
