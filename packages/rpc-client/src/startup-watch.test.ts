import { recordingLogger } from "@imessage-channel/kit";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ImsgRpcError, type ImsgStartupError } from "./errors.ts";
import { StartupWatch, startupErrorOfAnswer } from "./startup-watch.ts";

function watch(bannerGraceMs = 500) {
  const logger = recordingLogger();
  const reported: ImsgStartupError[] = [];
  let timeouts = 0;
  const startup = new StartupWatch({
    logger,
    bannerGraceMs,
    onBannerTimeout: () => {
      timeouts += 1;
    },
    onStartupFailed: (error) => reported.push(error),
  });
  return { startup, logger, reported, timeouts: () => timeouts };
}

const exitOne = { code: 1, signal: null, reason: "imsg exited with code 1" };

describe("StartupWatch", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gathers text before the first answer into one startup error once the grace period ran out", () => {
    const { startup, timeouts } = watch(500);
    startup.text("⚠️  Permission Error: Cannot access Messages database");
    startup.text("Grant Full Disk Access to your terminal");
    vi.advanceTimersByTime(499);
    expect(timeouts()).toBe(0);
    vi.advanceTimersByTime(1);
    expect(timeouts()).toBe(1);
    const error = startup.bannerFailure();
    expect(error).toMatchObject({ code: "STARTUP_FAILED", fullDiskAccess: true });
    expect(error?.detail).toBe(
      "⚠️  Permission Error: Cannot access Messages database\nGrant Full Disk Access to your terminal",
    );
  });

  it("turns the gathered text into logged noise when an answer arrives in time", () => {
    const { startup, logger, timeouts } = watch();
    startup.text("hello from a wrapper script");
    startup.response(true);
    vi.advanceTimersByTime(1000);
    expect(timeouts()).toBe(0);
    expect(startup.bannerFailure()).toBeUndefined();
    startup.text("more noise");
    expect(logger.entries.filter((entry) => entry.message.includes("not JSON"))).toHaveLength(2);
    expect(startup.exitFailure(exitOne)).toBeUndefined();
  });

  it("counts a non-zero exit before any answer as a startup error, and not a signal or a clean exit", () => {
    const { startup } = watch();
    startup.response(false);
    expect(startup.exitFailure(exitOne)?.message).toContain("imsg exited with code 1 before answering any request");
    expect(startup.exitFailure({ code: 0, signal: null, reason: "exited" })).toBeUndefined();
    expect(startup.exitFailure({ code: null, signal: "SIGKILL", reason: "killed" })).toBeUndefined();
  });

  it("reports the first startup error only", () => {
    const { startup, reported } = watch();
    const first = startup.exitFailure(exitOne);
    const second = startup.exitFailure({ ...exitOne, reason: "again" });
    if (first === undefined || second === undefined) throw new Error("expected startup errors");
    startup.report(first);
    startup.report(second);
    expect(reported).toEqual([first]);
  });
});

describe("startupErrorOfAnswer", () => {
  it("reads imsg 0.8.2's -32603 permission answer as a startup error and leaves other errors alone", () => {
    const data = "unable to open database file\n\n⚠️  Permission Error: Cannot access Messages database";
    const startup = startupErrorOfAnswer(new ImsgRpcError("chats.list", -32603, "Internal error", data));
    expect(startup).toMatchObject({ code: "STARTUP_FAILED", fullDiskAccess: true, detail: data });
    expect(startup?.message).toContain("(unable to open database file)");
    expect(
      startupErrorOfAnswer(new ImsgRpcError("send", -32603, "Internal error", "AppleScript failed")),
    ).toBeUndefined();
    expect(startupErrorOfAnswer(new ImsgRpcError("send", -32602, "Invalid params", data))).toBeUndefined();
  });
});
