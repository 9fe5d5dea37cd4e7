import { describe, expect, it } from "vitest";
import { BackoffSchedule } from "./backoff.ts";

function delays(schedule: BackoffSchedule, count: number): number[] {
  return Array.from({ length: count }, () => schedule.next());
}

describe("BackoffSchedule", () => {
  it("doubles the delay from 1 s up to the 30 s cap", () => {
    expect(delays(new BackoffSchedule({}, () => 1), 8)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  it("jitters each delay between half and all of its step", () => {
    expect(delays(new BackoffSchedule({}, () => 0), 3)).toEqual([500, 1000, 2000]);
    expect(delays(new BackoffSchedule({}, () => 0.5), 2)).toEqual([750, 1500]);
  });

  it("starts afresh after a connection that stayed healthy for a minute", () => {
    const schedule = new BackoffSchedule({}, () => 1);
    delays(schedule, 4);
    schedule.connectionEnded(59_999);
    expect(schedule.next()).toBe(16000);
    schedule.connectionEnded(60_000);
    expect(schedule.attempt).toBe(0);
    expect(schedule.next()).toBe(1000);
  });
});
