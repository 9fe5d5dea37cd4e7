/**
 * At most `size` requests at imsg at once (`maxOutstanding`); the rest wait their turn, first come first served, and
 * a settled request hands its slot straight to the oldest waiting one. A request that finds a slot free runs at once,
 * with no promise of its own around it: a round trip to imsg takes tens of microseconds, and p-limit's layers (an
 * async function, a queued promise and an extra microtask or two per call) cost half a microsecond of it.
 */
export class RequestSlots {
  readonly #size: number;
  #taken = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    if (!(Number.isInteger(size) && size >= 1)) {
      throw new RangeError(`maxOutstanding must be a whole number of at least 1 (got ${size})`);
    }
    this.#size = size;
  }

  /** Requests running now. */
  get taken(): number {
    return this.#taken;
  }

  /** Runs `send` in a free slot, now or once one frees up, and settles as it settles. */
  run<T>(send: () => Promise<T>): Promise<T> {
    if (this.#taken < this.#size) {
      this.#taken += 1;
      return this.#holding(send());
    }
    return new Promise<void>((resolve) => this.#waiting.push(resolve)).then(() => this.#holding(send()));
  }

  /** `sent`, unchanged; its slot goes to the next waiting request, or back to the pool, once it settles. */
  #holding<T>(sent: Promise<T>): Promise<T> {
    sent.then(this.#handOn, this.#handOn);
    return sent;
  }

  readonly #handOn = (): void => {
    const next = this.#waiting.shift();
    if (next === undefined) this.#taken -= 1;
    else next();
  };
}
