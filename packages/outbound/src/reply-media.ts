import type { ImsgCall } from "./action-call.ts";
import { type MediaLimits, type MediaPlan, type OutboundAttachment, planMedia } from "./media.ts";
import type { SendTargetParams } from "./send-target.ts";

/**
 * Checks every attachment of a reply before any is sent, so an oversized second file does not leave the
 * first one delivered alone. Rejects with the first problem (MEDIA_TOO_LARGE or MEDIA_INVALID).
 */
export function planReplyMedia(attachments: readonly OutboundAttachment[], limits: MediaLimits): Promise<MediaPlan[]> {
  return Promise.all(attachments.map((attachment) => planMedia(attachment, limits)));
}

/** The `send` of one staged file; text goes in its own sends because the bridge refuses text and file together. */
export function fileSendCall(target: SendTargetParams, stagedPath: string): ImsgCall {
  return { method: "send", params: { ...target, file: stagedPath } };
}
