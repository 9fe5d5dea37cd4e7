import type { Clock } from "@imessage-channel/kit";
import { notWritableReason } from "./immediate-transaction.ts";
import { StateError } from "./state-error.ts";

/** The timers the queue retries with; tests inject their own. */
type Timers = Pick<Clock, "setTimeout" | "clearTimeout">;

export interface WriteQueueOptions {
  /** Wait before the first retry; it doubles with every failed retry up to `maxDelayMilliseconds`. Default 250. */
  initialDelayMilliseconds?: number;
  /** The longest wait between two retries. Default 5000. */
  maxDelayMilliseconds?: number;
  /** state.db stopped taking writes, with SQLite's reason; called again when the reason changes. */
  onBlocked?: (reason: string) => void;
  /** Every write that waited went through. */
  onRecovered?: () => void;
  timers?: Timers;
}

interface QueuedWrite {
  write: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The host's timers, unref'd: a retry pending on a blocked state.db must not keep the process alive. */
const systemTimers: Timers = {
  setTimeout: (callback, milliseconds) => {
    const handle = setTimeout(callback, milliseconds);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Writes that must not be lost while state.db cannot take them (another process holds its write lock past the
 * busy timeout, the disk is full): a write runs at once when nothing waits; one that meets an unwritable state.db
 * — and every write after it, so they keep their order — waits and is retried with bounded backoff, from a timer,
 * so the event loop never blocks longer than one busy timeout. Other errors are thrown (or reject) as they are.
 */
export class WriteQueue {
  readonly #queue: QueuedWrite[] = [];
  readonly #initialDelay: number;
  readonly #maxDelay: number;
  readonly #options: WriteQueueOptions;
  readonly #timers: Timers;
  #delay: number;
  #reason: string | undefined;
  #timer: unknown;
  #closed = false;

  constructor(options: WriteQueueOptions = {}) {
    this.#options = options;
    this.#initialDelay = options.initialDelayMilliseconds ?? 250;
    this.#maxDelay = Math.max(this.#initialDelay, options.maxDelayMilliseconds ?? 5_000);
    this.#delay = this.#initialDelay;
    this.#timers = options.timers ?? systemTimers;
  }

  /** SQLite's reason while writes wait for state.db, else undefined. */
  get blockedReason(): string | undefined {
    return this.#reason;
  }

  /** Writes waiting to be retried. */
  get waiting(): number {
    return this.#queue.length;
  }

  /**
   * Runs `write` now and returns its result when nothing waits and state.db takes it; otherwise returns a promise
   * that settles once the write went through (or failed for another reason). After `close`, writes run at once
   * and throw as they are.
   */
  run<Result>(write: () => Result): Result | Promise<Result> {
    if (this.#closed) return write();
    if (this.#queue.length === 0) {
      try {
        return write();
      } catch (error) {
        const reason = notWritableReason(error);
        if (reason === undefined) throw error;
        this.#blocked(reason);
      }
    }
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      this.#schedule();
    });
  }

  /** Stops retrying: every waiting write is rejected with `STATE_DB_NOT_WRITABLE` (it never reached state.db). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    const reason = this.#reason ?? "closed";
    for (const queued of this.#queue.splice(0)) {
      queued.reject(
        new StateError("STATE_DB_NOT_WRITABLE", `state.db not writable (${reason}) until the gateway stopped`, {
          reason,
        }),
      );
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = this.#timers.setTimeout(() => this.#retry(), this.#delay);
  }

  #retry(): void {
    this.#timer = undefined;
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      let value: unknown;
      try {
        value = head.write();
      } catch (error) {
        const reason = notWritableReason(error);
        if (reason !== undefined) {
          this.#blocked(reason);
          this.#delay = Math.min(this.#delay * 2, this.#maxDelay);
          this.#schedule();
          return;
        }
        this.#queue.shift();
        head.reject(error);
        continue;
      }
      this.#queue.shift();
      head.resolve(value);
    }
    this.#delay = this.#initialDelay;
    if (this.#reason === undefined) return;
    this.#reason = undefined;
    this.#options.onRecovered?.();
  }

  #blocked(reason: string): void {
    if (this.#reason === reason) return;
    this.#reason = reason;
    this.#options.onBlocked?.(reason);
  }
}
