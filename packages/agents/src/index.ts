export { AgentConfigError } from "./agent-config-error.ts";
export { AgentError, type AgentErrorCode, isAgentUnavailable, isRetryableHttpStatus } from "./agent-error.ts";
export { createEchoAgent } from "./echo.ts";
export { createExecAgent, type ExecAgentOptions, execTemporaryFailureExitCode } from "./exec.ts";
export { logSafeUrl } from "./log-safe-url.ts";
export { createOpenAiAgent, type OpenAiAgentOptions } from "./openai.ts";
export { type RetryOptions, withRetries } from "./retry.ts";
export type { AgentRuntime } from "./runtime.ts";
export {
  type EnvelopeReading,
  type HistoryEntry,
  isEmptyReply,
  missingAttachmentPlaceholder,
  type ReactionEvent,
  type Reply,
  type ReplyAction,
  type ReplyAttachment,
  readReplyEnvelope,
  replySchema,
  type Turn,
  type TurnAttachment,
  textReply,
} from "./turn.ts";
export { createWebhookAgent, type WebhookAgentOptions } from "./webhook.ts";
