import { RpcClientError } from "./errors.ts";
import type { Message } from "./imsg-objects.ts";

/**
 * One `watch.subscribe` stream: an async iterable of messages in rowid order. It ends when unsubscribed
 * (iteration finishes), or with a typed error: `SubscriptionError` after an imsg `error` notification,
 * `ChildExitedError` when imsg exits. Messages are queued until read, so nothing is lost before iteration starts.
 * `consume(onMessage)` reads it too, with a call per message instead of a promise per message.
 */
export class Subscription implements AsyncIterable<Message> {
  /** imsg's subscription id (starts at 1, never reused within one process). */
  readonly id: number;
  /** Resolves once the stream ended: with the error that ended it, or undefined after an unsubscribe. */
  readonly ended: Promise<Error | undefined>;
  readonly #queue: Message[] = [];
  readonly #unsubscribe: () => Promise<void>;
  #waiter: (() => void) | undefined;
  #reader: "iterator" | "consumer" | undefined;
  #onMessage: ((message: Message) => void) | undefined;
  /** What a throwing `onMessage` threw: `consume` rejects with it. */
  #consumerFailure: { error: unknown } | undefined;
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

  /**
   * Reads the stream by calling `onMessage` with each message, in order: the queued ones at once, every later one as
   * it arrives, without the promise per message that `for await` costs (for a reader that keeps up synchronously,
   * like the supervisor). Resolves once the stream ended with an unsubscribe, rejects with the error that ended it.
   * An `onMessage` that throws stops the stream like a `for await` body that throws: it is unsubscribed, and this
   * rejects with what was thrown. A stream has one reader: iterating it and consuming it are exclusive.
   */
  consume(onMessage: (message: Message) => void): Promise<void> {
    if (this.#reader !== undefined) return Promise.reject(this.#secondReaderError());
    this.#reader = "consumer";
    this.#onMessage = onMessage;
    for (const message of this.#queue.splice(0)) if (!this.#hand(message)) break;
    return this.ended.then((error) => {
      const failure = this.#consumerFailure ?? (error === undefined ? undefined : { error });
      if (failure !== undefined) throw failure.error;
    });
  }

  /** Hands a validated message to the reader. Called by the client only. */
  push(message: Message): void {
    if (this.#done) return;
    if (this.#lastRowid === undefined || message.id > this.#lastRowid) this.#lastRowid = message.id;
    if (this.#onMessage !== undefined) {
      this.#hand(message);
      return;
    }
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
    if (this.#reader === "consumer") throw this.#secondReaderError();
    this.#reader = "iterator";
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

  /** False once `onMessage` threw: the stream is then being unsubscribed. */
  #hand(message: Message): boolean {
    try {
      this.#onMessage?.(message);
      return true;
    } catch (error) {
      this.#consumerFailure = { error };
      void this.unsubscribe().catch(() => {});
      return false;
    }
  }

  #secondReaderError(): RpcClientError {
    const reader = this.#reader === "consumer" ? "consume()" : "for await";
    return new RpcClientError(
      "ALREADY_READ",
      `subscription ${this.id} is already read with ${reader}: a stream has one reader, so read it with either for await or consume()`,
    );
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}
