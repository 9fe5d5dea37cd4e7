import type { TransportExit } from "./transport.ts";

/**
 * How a transport's process ended, recorded once: the first `finish` wins (a spawn error and the close that follows
 * it, or a dropped connection and a late exit status, report the same end twice), and `exited` resolves with it.
 */
export class ExitRecord {
  readonly exited: Promise<TransportExit>;
  #exit: TransportExit | undefined;
  #resolve!: (exit: TransportExit) => void;

  constructor() {
    this.exited = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  /** The end, once there was one. */
  get exit(): TransportExit | undefined {
    return this.#exit;
  }

  /** Records `exit` when it is the first; returns whether it was. */
  finish(exit: TransportExit): boolean {
    if (this.#exit !== undefined) return false;
    this.#exit = exit;
    this.#resolve(exit);
    return true;
  }

  /** Whether the process ended within `milliseconds` (close() escalates EOF → TERM → KILL on false). */
  endsWithin(milliseconds: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), milliseconds);
      void this.exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
