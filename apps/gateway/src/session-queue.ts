/**
 * Runs tasks in order per session key while different sessions run in parallel, at most `concurrency` at once.
 * One slow conversation never blocks another, and one conversation's turns are never answered out of order.
 */
export class SessionQueue {
  readonly #concurrency: number;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #waiters: Array<() => void> = [];
  #running = 0;
  #inFlight = new Set<Promise<unknown>>();

  constructor(concurrency: number) {
    this.#concurrency = Math.max(1, concurrency);
  }

  /** Number of tasks queued or running. */
  get size(): number {
    return this.#inFlight.size;
  }

  enqueue<T>(sessionKey: string, task: () => Promise<T>): Promise<T> {
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

  async #withSlot<T>(task: () => Promise<T>): Promise<T> {
    if (this.#running >= this.#concurrency) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    this.#running++;
    try {
      return await task();
    } finally {
      this.#running--;
      this.#waiters.shift()?.();
    }
  }
}
