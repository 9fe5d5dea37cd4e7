import type { AccountStatus } from "@imessage-channel/channel";
import { describe, expect, it } from "vitest";
import { counterCells, droppedByReason, formatDuration, livenessOf, stateText, timeCells } from "./status-view.ts";

const now = Date.parse("2026-01-01T12:00:00Z");
const at = (secondsAgo: number) => new Date(now - secondsAgo * 1000).toISOString();

function status(overrides: Partial<AccountStatus> = {}): AccountStatus {
  return {
    accountId: "default",
    state: "connected",
    pid: 4242,
    startedAt: at(3_700),
    updatedAt: at(1),
    counters: { received: 9, dispatched: 6, deduped: 0, replayed: 2, sent: 7, failed: 1, dropped: { "too-old": 1 } },
    outbox: { planned: 0, sending: 0, sent: 0, delivered: 0, failed: 0, unknown: 0, dropped: 0 },
    ...overrides,
  };
}

const alive = () => true;
const dead = () => false;

describe("status view", () => {
  it("reads a file whose pid is gone as not running, however fresh the file is", () => {
    const fresh = status({ updatedAt: at(0) });
    expect(livenessOf(fresh, now, dead)).toEqual({ kind: "not-running", lastSeenAt: fresh.updatedAt });
    expect(stateText(fresh, livenessOf(fresh, now, dead), now)).toBe("not running (last seen 0 s ago)");
  });

  it("reads stopped from the file before asking about the pid (a new process may have its number)", () => {
    const stopped = status({ state: "stopped", stoppedAt: at(120), updatedAt: at(120) });
    expect(stateText(stopped, livenessOf(stopped, now, alive), now)).toBe("stopped (2 min ago)");
  });

  it("says not responding when the process lives but stopped rewriting its file", () => {
    const stale = status({ updatedAt: at(40) });
    expect(stateText(stale, livenessOf(stale, now, alive), now)).toBe("not responding (last seen 40 s ago)");
  });

  it("shows a backoff loop as retrying with the attempt and the time to the next try", () => {
    const failing = status({ state: "failed", reason: "x", retry: { attempt: 5, nextAt: at(-12) } });
    expect(stateText(failing, livenessOf(failing, now, alive), now)).toBe("retrying (attempt 5, next in 12 s)");
    const due = status({ state: "reconnecting", retry: { attempt: 2, nextAt: at(1) } });
    expect(stateText(due, livenessOf(due, now, alive), now)).toBe("retrying (attempt 2, trying now)");
  });

  it("shows every counter, dropped summed and by reason, and uptime only while running", () => {
    const running = status({ lastEventAt: at(3), counters: { ...status().counters, dropped: { a: 1, b: 3 } } });
    expect(counterCells(running)).toEqual(["9", "6", "2", "7", "1", "4"]);
    expect(droppedByReason(running)).toBe("3 b, 1 a");
    expect(timeCells(running, { kind: "running" }, now)).toEqual(["1 h", "3 s ago"]);
    expect(timeCells(running, { kind: "stopped", at: at(0) }, now)).toEqual(["-", "3 s ago"]);
    const sent = status({ lastEventAt: at(3), lastEvent: "sent" });
    expect(timeCells(sent, { kind: "running" }, now)).toEqual(["1 h", "sent 3 s ago"]);
    expect(
      timeCells(status({ lastEventAt: at(75), lastEvent: "dropped dm-not-allowed" }), { kind: "running" }, now)[1],
    ).toBe("dropped dm-not-allowed 1 min ago");
    expect(counterCells(undefined)).toEqual(["-", "-", "-", "-", "-", "-"]);
  });

  it("rounds durations down to the largest unit that fits", () => {
    expect([0, 59_999, 60_000, 3_599_000, 3_600_000, 47 * 3_600_000, 49 * 3_600_000].map(formatDuration)).toEqual([
      "0 s",
      "59 s",
      "1 min",
      "59 min",
      "1 h",
      "47 h",
      "2 d",
    ]);
  });
});
