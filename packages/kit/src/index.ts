export { type BackoffPolicy, backoffDelay } from "./backoff.ts";
export { ChannelError } from "./channel-error.ts";
export { errorMessage } from "./error-message.ts";
export { type LogEntry, type Logger, recordingLogger, silentLogger } from "./logger.ts";
