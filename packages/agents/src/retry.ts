import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay } from "@imessage-channel/kit";
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
      await wait(backoffDelay(index, { initialMs: options.baseDelayMs, jitter: "proportional" }), options.signal);
    }
  }
}
