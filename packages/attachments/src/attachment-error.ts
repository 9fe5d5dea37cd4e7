import { ChannelError } from "@imessage-channel/kit";

/** Every failure this package reports on purpose; callers branch on `code`. */
export type AttachmentErrorCode =
  | "ACCOUNT_ID_INVALID"
  | "ROOT_PATTERN_INVALID"
  | "MEDIA_CAP_INVALID"
  | "REMOTE_HOST_INVALID"
  | "KNOWN_HOSTS_UNREADABLE"
  | "HOST_KEY_UNKNOWN"
  | "HOST_KEY_MISMATCH"
  | "HOST_KEY_REVOKED"
  | "SSH_NO_CREDENTIALS"
  | "SSH_AUTH_FAILED"
  | "SSH_CONNECT_FAILED"
  | "SFTP_FAILED";

/** The base error of `@imessage-channel/attachments`: a string `code` and a one-line message that says how to fix it. */
export class AttachmentError extends ChannelError<AttachmentErrorCode> {}
