import { ChannelError } from "@imessage-channel/kit";

/** Every failure this package reports on purpose; callers branch on `code`. */
export type OutboundErrorCode =
  | "BRIDGE_REQUIRED"
  | "SELECTOR_UNAVAILABLE"
  | "METHOD_UNSUPPORTED"
  | "TAPBACK_UNSUPPORTED"
  | "MEDIA_STAGING_MISSING"
  | "ACTION_UNKNOWN"
  | "ACTION_DISABLED"
  | "ACTION_PARAMS_INVALID"
  | "GROUP_REQUIRED"
  | "TARGET_MISSING"
  | "CROSS_CHAT_REFUSED"
  | "MEDIA_PATH_REFUSED"
  | "MESSAGE_ID_UNKNOWN"
  | "MEDIA_TOO_LARGE"
  | "MEDIA_INVALID"
  | "CHUNK_LIMIT_INVALID"
  | "NOT_RECONNECTED"
  | "SEND_RESULT_INVALID"
  | "SEND_UNCONFIRMED"
  | "SEND_FAILED"
  | "SENDS_STOPPED";

/** The base error of `@imessage-channel/outbound`: a string `code` and a one-line message saying what to do. */
export class OutboundError extends ChannelError<OutboundErrorCode> {}

/**
 * The reference's dispatch-time text (operators grep for it), followed by its fix: the helper falls out of Messages
 * (restart, OS update) and `imsg launch` puts it back; the next action re-probes, so no gateway restart is needed.
 */
export function bridgeRequiredError(action: string, cause?: unknown): OutboundError {
  return new OutboundError(
    "BRIDGE_REQUIRED",
    `iMessage ${action} requires the imsg private API bridge; run \`imsg launch\` on the Mac (System Integrity Protection disabled), then try again`,
    cause === undefined ? undefined : { cause },
  );
}
