const marker = Symbol.for("imessage-channel.error");

export type AgentErrorCode =
  | "AGENT_TIMEOUT"
  | "AGENT_HTTP_ERROR"
  | "AGENT_NETWORK_ERROR"
  | "AGENT_EXIT"
  | "AGENT_BAD_REPLY";

/** A turn the agent could not answer; `retryable` says whether trying again may help (5xx, network, timeouts). */
export class AgentError extends Error {
  readonly [marker] = true;
  readonly code: AgentErrorCode;
  readonly retryable: boolean;

  constructor(code: AgentErrorCode, message: string, options: { retryable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "AgentError";
    this.code = code;
    this.retryable = options.retryable;
  }

  static isInstance(value: unknown): value is AgentError {
    return (
      typeof value === "object" && value !== null && marker in value && (value as AgentError).name === "AgentError"
    );
  }
}
