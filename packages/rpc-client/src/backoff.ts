import { backoffDelay } from "@imessage-channel/kit";

export interface BackoffOptions {
  /** First retry delay (default 1000 ms). */
  initialMs?: number;
  /** Longest delay (default 30 000 ms). */
  maxMs?: number;
  /** A connection that stayed up this long resets the delay to `initialMs` (default 60 000 ms). */
  healthyResetMs?: number;
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random), so restarts after a shared failure
 * (a Mac reboot, an SSH drop) do not all land at once, yet never retry sooner than half the step.
 */
export class BackoffSchedule {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #healthyResetMs: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: BackoffOptions = {}, random: () => number = Math.random) {
    this.#initialMs = options.initialMs ?? 1000;
    this.#maxMs = options.maxMs ?? 30_000;
    this.#healthyResetMs = options.healthyResetMs ?? 60_000;
    this.#random = random;
  }

  /** How many retries in a row so far. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next retry; each call doubles the step up to the cap. */
  next(): number {
    this.#attempt += 1;
    const policy = { initialMs: this.#initialMs, maxMs: this.#maxMs, jitter: "equal" } as const;
    return Math.round(backoffDelay(this.#attempt, policy, this.#random));
  }

  /** Tells the schedule how long the last connection was healthy; a long one starts the next retries afresh. */
  connectionEnded(healthyForMs: number): void {
    if (healthyForMs >= this.#healthyResetMs) this.#attempt = 0;
  }
}
