export { type BackoffPolicy, backoffDelay } from "./backoff.ts";
export { ChannelError } from "./channel-error.ts";
export { type Clock, systemClock } from "./clock.ts";
export { errorMessage } from "./error-message.ts";
export { expandHome } from "./expand-home.ts";
export { type LogEntry, type Logger, recordingLogger, silentLogger } from "./logger.ts";
export { fsyncDirectory, type WriteFileAtomicallyOptions, writeFileAtomically } from "./write-file-atomically.ts";
