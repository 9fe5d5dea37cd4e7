import type { NotificationOutput } from "./notification-output.ts";

/** The `buffer_limit` of a subscription that names none (docs/imsg-protocol.md, Watch on 0.14+). */
export const defaultBufferLimit = 256;

interface Notification {
  method: string;
  params: unknown;
}

/**
 * The bounded queue of one 0.14+ subscription: accepted notifications wait here while the reader lags (stdout backs
 * up), at most `limit` of them. A terminal notification (overflow, error) goes out after every accepted one.
 */
export class WatchOutbox {
  readonly limit: number;
  readonly #output: NotificationOutput;
  /** Forced overflow (`--fault-watch-overflow-after`): refuse the row after this many were accepted. */
  readonly #acceptAtMost: number | undefined;
  readonly #queue: Notification[] = [];
  #terminal: Notification | undefined;
  #accepted = 0;
  #closed = false;
  #waitingForDrain = false;
  #onFinished: (() => void) | undefined;

  constructor(limit: number, output: NotificationOutput, acceptAtMost?: number) {
    this.limit = limit;
    this.#output = output;
    this.#acceptAtMost = acceptAtMost;
  }

  /** Notifications accepted but not yet handed to the reader. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Queues one notification; false when the buffer is full, or the forced limit is reached (the caller overflows). */
  offer(method: string, params: unknown): boolean {
    if (this.#closed) return false;
    if (this.#queue.length >= this.limit) return false;
    if (this.#acceptAtMost !== undefined && this.#accepted >= this.#acceptAtMost) return false;
    this.#accepted += 1;
    this.#queue.push({ method, params });
    this.#pump();
    return true;
  }

  /** Ends the stream: accepted notifications drain, then `method`, then `onFinished`. Nothing else is accepted. */
  finish(method: string, params: unknown, onFinished?: () => void): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#terminal = { method, params };
    this.#onFinished = onFinished;
    this.#pump();
  }

  /** Unsubscribe or EOF: silent, whatever is still queued is dropped. */
  cancel(): void {
    this.#closed = true;
    this.#queue.length = 0;
    this.#terminal = undefined;
    this.#onFinished = undefined;
  }

  #pump(): void {
    if (this.#waitingForDrain) return;
    while (this.#queue.length > 0) {
      if (this.#output.backedUp()) {
        this.#waitingForDrain = true;
        this.#output.onceDrained(() => {
          this.#waitingForDrain = false;
          this.#pump();
        });
        return;
      }
      const next = this.#queue.shift()!;
      this.#output.notify(next.method, next.params);
    }
    const terminal = this.#terminal;
    if (terminal === undefined) return;
    this.#terminal = undefined;
    this.#output.notify(terminal.method, terminal.params);
    const finished = this.#onFinished;
    this.#onFinished = undefined;
    finished?.();
  }
}
