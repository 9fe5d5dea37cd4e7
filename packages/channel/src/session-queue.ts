/** What a queued task gets: a cancellation signal, and a way to wait without holding a slot. */
export interface TaskContext {
  /** Aborted when the queue is cancelled (a shutdown past its budget): stop and leave the work for the next start. */
  readonly signal: AbortSignal;
  /**
   * Runs `wait` (a retry's backoff) without holding one of the `concurrency` slots, so other sessions run
   * meanwhile; the session keeps its place (its later tasks still wait), and the slot is taken again afterwards.
   */
  outsideSlot<T>(wait: () => Promise<T>): Promise<T>;
}

/** The reason a task was cancelled when `cancel` is called without one. */
export class QueueCancelledError extends Error {
  constructor(message = "the session queue was cancelled (shutdown)") {
    super(message);
    this.name = "QueueCancelledError";
  }
}

/**
 * Runs tasks in order per session key while different sessions run in parallel, at most `concurrency` at once.
 * One slow conversation never blocks another, and one conversation's turns are never answered out of order.
 */
export class SessionQueue {
  readonly #concurrency: number;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #waiters: Array<() => void> = [];
  readonly #cancel = new AbortController();
  #running = 0;
  #inFlight = new Set<Promise<unknown>>();

  constructor(concurrency: number) {
    this.#concurrency = Math.max(1, concurrency);
  }

  /** Number of tasks queued or running. */
  get size(): number {
    return this.#inFlight.size;
  }

  /** Aborted once `cancel` was called; its `reason` is the cancellation's. */
  get signal(): AbortSignal {
    return this.#cancel.signal;
  }

  enqueue<T>(sessionKey: string, task: (context: TaskContext) => Promise<T>): Promise<T> {
    const previous = this.#chains.get(sessionKey) ?? Promise.resolve();
    const result = previous.then(() => this.#withSlot(task));
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.#chains.set(sessionKey, settled);
    this.#inFlight.add(settled);
    void settled.then(() => {
      this.#inFlight.delete(settled);
      if (this.#chains.get(sessionKey) === settled) this.#chains.delete(sessionKey);
    });
    return result;
  }

  /** Resolves when every queued task has settled, or after `timeoutMs`; returns whether it drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inFlight.size > 0) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, remaining);
      });
      await Promise.race([Promise.all(this.#inFlight), timeout]);
      clearTimeout(timer);
    }
    return true;
  }

  /**
   * Cancels everything: running tasks see their `signal` aborted, tasks not started yet (and any enqueued from now
   * on) reject with `reason` without running.
   */
  cancel(reason: unknown = new QueueCancelledError()): void {
    if (this.#cancel.signal.aborted) return;
    this.#cancel.abort(reason);
    for (const wake of this.#waiters.splice(0)) {
      this.#running++;
      wake();
    }
  }

  async #withSlot<T>(task: (context: TaskContext) => Promise<T>): Promise<T> {
    await this.#acquire();
    try {
      const { signal } = this.#cancel;
      if (signal.aborted) throw signal.reason;
      return await task({
        signal,
        outsideSlot: async (wait) => {
          this.#release();
          try {
            return await wait();
          } finally {
            await this.#acquire();
          }
        },
      });
    } finally {
      this.#release();
    }
  }

  /** Takes a slot; once cancelled, at once (tasks then only unwind). */
  async #acquire(): Promise<void> {
    if (this.#running < this.#concurrency || this.#cancel.signal.aborted) {
      this.#running++;
      return;
    }
    // `#release` hands its slot over: nothing can take it between the release and this waiter running.
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#running--;
  }
}
