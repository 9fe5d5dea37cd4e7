import type { Message } from "./imsg-objects.ts";

/**
 * One `watch.subscribe` stream: an async iterable of messages in rowid order. It ends when unsubscribed
 * (iteration finishes), or with a typed error: `SubscriptionError` after an imsg `error` notification,
 * `ChildExitedError` when imsg exits. Messages are queued until read, so nothing is lost before iteration starts.
 */
export class Subscription implements AsyncIterable<Message> {
  /** imsg's subscription id (starts at 1, never reused within one process). */
  readonly id: number;
  /** Resolves once the stream ended: with the error that ended it, or undefined after an unsubscribe. */
  readonly ended: Promise<Error | undefined>;
  readonly #queue: Message[] = [];
  readonly #unsubscribe: () => Promise<void>;
  #waiter: (() => void) | undefined;
  #done = false;
  #error: Error | undefined;
  #lastRowid: number | undefined;
  #resolveEnded!: (error: Error | undefined) => void;

  constructor(id: number, unsubscribe: () => Promise<void>) {
    this.id = id;
    this.#unsubscribe = unsubscribe;
    this.ended = new Promise((resolve) => {
      this.#resolveEnded = resolve;
    });
  }

  /** The largest message id received on this stream so far. */
  get lastRowid(): number | undefined {
    return this.#lastRowid;
  }

  get isEnded(): boolean {
    return this.#done;
  }

  /** Stops the stream on the imsg side; iteration finishes after the already-queued messages. */
  async unsubscribe(): Promise<void> {
    if (this.#done) return;
    this.end(undefined);
    await this.#unsubscribe();
  }

  /** Hands a validated message to the reader. Called by the client only. */
  push(message: Message): void {
    if (this.#done) return;
    if (this.#lastRowid === undefined || message.id > this.#lastRowid) this.#lastRowid = message.id;
    this.#queue.push(message);
    this.#wake();
  }

  /** Ends the stream. Called by the client only. */
  end(error: Error | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#resolveEnded(error);
    this.#wake();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Message> {
    try {
      while (true) {
        const next = this.#queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.#done) {
          if (this.#error !== undefined) throw this.#error;
          return;
        }
        await new Promise<void>((resolve) => {
          this.#waiter = resolve;
        });
      }
    } finally {
      // A reader that stops early (break, throw) no longer wants the stream.
      if (!this.#done) void this.unsubscribe().catch(() => {});
    }
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}
