import { ChannelError } from "@imessage-channel/kit";

export type AgentErrorCode =
  | "AGENT_TIMEOUT"
  | "AGENT_HTTP_ERROR"
  | "AGENT_NETWORK_ERROR"
  | "AGENT_EXIT"
  | "AGENT_BAD_REPLY";

/**
 * A turn the agent could not answer. `retryable`: the agent is unavailable and trying again may help (5xx, 408,
 * 429, unreachable, timed out, an exec agent exiting 75); the pipeline then keeps the row and retries the turn for
 * `agents.retry.maxMinutes`. Otherwise the failure is permanent (any other 4xx, a bad reply, an exec agent failing)
 * and the turn is settled at once with the error reply.
 */
export class AgentError extends ChannelError<AgentErrorCode> {
  readonly retryable: boolean;

  constructor(code: AgentErrorCode, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(code, message, { cause: options.cause });
    this.retryable = options.retryable;
  }
}

/** HTTP statuses that say "not now" rather than "never": server errors, request timeout, too many requests. */
export function isRetryableHttpStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

/** A failure that means the agent is unavailable (retry the turn later), not that this turn can never be answered. */
export function isAgentUnavailable(error: unknown): boolean {
  return AgentError.isInstance(error) && error.retryable;
}
