/**
 * Time and timers. Injected wherever behaviour depends on time (windows, expiries, backoff, liveness), so a test
 * moves time itself instead of sleeping; code that only reads the time takes `Pick<Clock, "now">`.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Wall-clock time and the host's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
