import type { Clock } from "@imessage-channel/kit";
import { type AccountLeases, assertLeaseArguments } from "./account-lease.ts";

/**
 * The host's monotonic clock (`performance.now()`) and its timers: a lease deadline must not move when the wall
 * clock is stepped (NTP, an operator's `date`).
 */
export const monotonicClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface LeaseLoss {
  accountId: string;
  token: number;
  /** `renew-refused` (the lease row says another token or holder), `deadline` (no renew confirmed in time). */
  reason: "renew-refused" | "deadline";
}

export interface LeaseKeeperOptions {
  leases: Pick<AccountLeases, "acquire" | "renew" | "release">;
  accountId: string;
  /** This gateway's holder id (`newLeaseHolderId()`). */
  holder: string;
  ttlMs: number;
  /**
   * How long before the lease could expire the keeper stops believing in it (default ttl / 5): room for the
   * caller to stop sending, and for clock rate differences between this host and the database.
   */
  safetyMarginMs?: number;
  /** Monotonic time and timers (default `monotonicClock`); tests inject a manual one. */
  clock?: Clock;
  /** The lease was granted (again): the caller may start this account's sends and subscription. */
  onAcquired?: (token: number) => void;
  /** The lease may be gone: the caller must stop this account's sends and subscription at once. */
  onLost?: (loss: LeaseLoss) => void;
  /** A call to the lease store failed (the database unreachable); validity runs out on its own. */
  onError?: (error: unknown) => void;
}

/**
 * Keeps one account's lease: acquires it (and retries while another gateway holds it), renews it every ttl / 3,
 * and says it is lost BEFORE it could have expired. The lease counts as valid only until the time the last
 * successful renew (or acquire) was SENT + ttl − safety margin, by the local monotonic clock: the database
 * started its ttl after that send, so a late answer or a paused process (SIGSTOP) never believes in a lease that
 * may already belong to someone else. A renew confirmed after that deadline does not make the lease valid again.
 */
export class LeaseKeeper {
  readonly #options: LeaseKeeperOptions;
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #marginMs: number;
  #token: number | undefined;
  #validUntil = Number.NEGATIVE_INFINITY;
  #tickTimer: unknown;
  #deadlineTimer: unknown;
  #stopped = false;
  #started = false;

  constructor(options: LeaseKeeperOptions) {
    assertLeaseArguments({ accountId: options.accountId, holder: options.holder, ttlMs: options.ttlMs });
    const margin = options.safetyMarginMs ?? Math.floor(options.ttlMs / 5);
    this.#intervalMs = Math.max(1, Math.floor(options.ttlMs / 3));
    // A renew every ttl / 3 must be able to land before the deadline it extends.
    if (!Number.isFinite(margin) || margin < 0 || margin >= options.ttlMs - this.#intervalMs) {
      throw new RangeError(
        `safetyMarginMs: ${margin} must be >= 0 and below ttlMs − ttlMs/3 (${options.ttlMs - this.#intervalMs})`,
      );
    }
    this.#options = options;
    this.#clock = options.clock ?? monotonicClock;
    this.#marginMs = margin;
  }

  /** Starts acquiring; resolves after the first attempt (held or not: `isValid()` says). */
  start(): Promise<void> {
    if (this.#started) return Promise.resolve();
    this.#started = true;
    return this.#attempt();
  }

  /** The token while the lease is valid, else undefined. */
  get token(): number | undefined {
    return this.isValid() ? this.#token : undefined;
  }

  /**
   * Whether this gateway may act for the account now. Checks the deadline itself, so a process that was paused
   * past it learns at once (and `onLost` fires) even though no timer ran.
   */
  isValid(): boolean {
    if (this.#token === undefined) return false;
    if (this.#clock.now() < this.#validUntil) return true;
    this.#lose("deadline");
    return false;
  }

  /**
   * Stops renewing and releases the lease when held, so a standby takes over without waiting for expiry. It does
   * not wait for a call still in flight (a hung database must not hold up a shutdown): a lease that call renews
   * or grants afterwards simply runs out.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#clock.clearTimeout(this.#tickTimer);
    this.#clock.clearTimeout(this.#deadlineTimer);
    const token = this.#token;
    this.#token = undefined;
    this.#validUntil = Number.NEGATIVE_INFINITY;
    if (token === undefined) return;
    try {
      await this.#options.leases.release(this.#options.accountId, this.#options.holder, token);
    } catch (error) {
      this.#options.onError?.(error);
    }
  }

  async #attempt(): Promise<void> {
    if (this.#stopped) return;
    const { leases, accountId, holder, ttlMs } = this.#options;
    const sentAt = this.#clock.now();
    const deadline = sentAt + ttlMs - this.#marginMs;
    try {
      const token = this.#token;
      if (token === undefined) {
        const result = await leases.acquire(accountId, holder, ttlMs);
        if (!this.#stopped && result.acquired && this.#clock.now() < deadline) this.#grant(result.token, deadline);
      } else {
        const renewed = await leases.renew(accountId, holder, token, ttlMs);
        // Only the token this renew was sent for, and only while its deadline has not passed: a late "yes" is
        // no proof that nobody else took the lease in between.
        if (!this.#stopped && this.#token === token) {
          if (!renewed) this.#lose("renew-refused");
          else if (this.isValid()) this.#extend(deadline);
        }
      }
    } catch (error) {
      this.#options.onError?.(error);
    }
    this.#schedule(sentAt);
  }

  #schedule(sentAt: number): void {
    if (this.#stopped) return;
    const delay = Math.max(0, sentAt + this.#intervalMs - this.#clock.now());
    this.#tickTimer = this.#clock.setTimeout(() => {
      void this.#attempt();
    }, delay);
  }

  #grant(token: number, deadline: number): void {
    this.#token = token;
    this.#extend(deadline);
    this.#options.onAcquired?.(token);
  }

  #extend(deadline: number): void {
    this.#validUntil = deadline;
    this.#clock.clearTimeout(this.#deadlineTimer);
    // Says "lost" on time even when no renew answer ever comes back.
    this.#deadlineTimer = this.#clock.setTimeout(
      () => {
        if (this.isValid()) this.#extend(this.#validUntil); // a timer that fired a little early
      },
      Math.max(0, deadline - this.#clock.now()),
    );
  }

  #lose(reason: LeaseLoss["reason"]): void {
    const token = this.#token;
    if (token === undefined) return;
    this.#token = undefined;
    this.#validUntil = Number.NEGATIVE_INFINITY;
    this.#clock.clearTimeout(this.#deadlineTimer);
    this.#options.onLost?.({ accountId: this.#options.accountId, token, reason });
  }
}
