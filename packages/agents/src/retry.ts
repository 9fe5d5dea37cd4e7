import { setTimeout as sleep } from "node:timers/promises";
import { AgentError } from "./agent-error.ts";

export interface RetryOptions {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time (with jitter). */
  baseDelayMs: number;
  signal?: AbortSignal;
  wait?: (ms: number, signal?: AbortSignal) => Promise<unknown>;
}

/** Runs `attempt` until it succeeds, retrying only errors marked retryable (5xx, 408, 429, network, timeouts). */
export async function withRetries<T>(attempt: () => Promise<T>, options: RetryOptions): Promise<T> {
  const wait = options.wait ?? ((ms: number, signal?: AbortSignal) => sleep(ms, undefined, { signal }));
  for (let index = 1; ; index++) {
    try {
      return await attempt();
    } catch (error) {
      const retryable = AgentError.isInstance(error) && error.retryable;
      if (!retryable || index >= options.attempts || options.signal?.aborted) throw error;
      await wait(backoffDelayMs(index, { initialDelayMs: options.baseDelayMs }), options.signal);
    }
  }
}

/**
 * The delay after the `attempt`-th failure (1-based): `initialDelayMs`, doubling each time up to `maxDelayMs`, with
 * ±25% jitter so many turns failing together do not retry in step.
 */
export function backoffDelayMs(
  attempt: number,
  options: { initialDelayMs: number; maxDelayMs?: number },
  random: () => number = Math.random,
): number {
  const exponential = options.initialDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(exponential, options.maxDelayMs ?? Number.POSITIVE_INFINITY);
  return capped * (0.75 + random() * 0.5);
}
