import { ChannelError } from "@imessage-channel/kit";

/** Every failure this package reports on purpose; callers branch on `code`. */
export type TransportErrorCode =
  | "CLI_NOT_FOUND"
  | "CLI_NOT_EXECUTABLE"
  | "SPAWN_FAILED"
  | "ALREADY_STARTED"
  | "NOT_RUNNING"
  | "LINE_INVALID"
  | "WRITE_FAILED"
  | "REMOTE_HOST_INVALID"
  | "KNOWN_HOSTS_UNREADABLE"
  | "HOST_KEY_UNKNOWN"
  | "HOST_KEY_MISMATCH"
  | "HOST_KEY_REVOKED"
  | "SSH_NO_CREDENTIALS"
  | "SSH_AUTH_FAILED"
  | "SSH_CONNECT_FAILED"
  | "SSH_EXEC_FAILED"
  | "RUN_TIMEOUT";

/** The base error of `@imessage-channel/transport`: a string `code` and a one-line message that says how to fix it. */
export class TransportError extends ChannelError<TransportErrorCode> {}
