import type { Clock } from "@imessage-channel/kit";

/**
 * A clock with timers that only moves when told to: `advance` runs the timers that fall due, in time order;
 * `skip` moves time without running any (a process paused with SIGSTOP: its timers did not run).
 */
export function createManualTimers(start = 1_000_000): {
  clock: Clock;
  advance: (milliseconds: number) => void;
  skip: (milliseconds: number) => void;
  pending: () => number;
} {
  let now = start;
  let nextId = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout: (callback, delayMs) => {
      nextId += 1;
      timers.set(nextId, { at: now + Math.max(0, delayMs), callback });
      return nextId;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
  };
  const advance = (milliseconds: number) => {
    const until = now + milliseconds;
    for (;;) {
      const due = [...timers.entries()].filter(([, timer]) => timer.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      timers.delete(due[0]);
      now = Math.max(now, due[1].at);
      due[1].callback();
    }
    now = until;
  };
  const skip = (milliseconds: number) => {
    now += milliseconds;
  };
  return { clock, advance, skip, pending: () => timers.size };
}
