import type { Clock } from "@imessage-channel/kit";

interface Timer {
  id: number;
  dueAt: number;
  callback: () => void;
}

/** A manual clock: time moves only through `advance` (timers fire) or `jump` (timers do not, as with a late timer). */
export class FakeClock implements Clock {
  private current = 0;
  private nextId = 1;
  private timers: Timer[] = [];

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const timer = { id: this.nextId++, dueAt: this.current + delayMs, callback };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((timer) => timer.id !== handle);
  }

  get pendingTimerCount(): number {
    return this.timers.length;
  }

  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const due = this.timers
        .filter((timer) => timer.dueAt <= target)
        .sort((left, right) => left.dueAt - right.dueAt || left.id - right.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.current = due.dueAt;
      due.callback();
    }
    this.current = target;
  }

  jump(ms: number): void {
    this.current += ms;
  }
}
