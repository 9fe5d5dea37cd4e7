import type { ImsgAttachment } from "./attachment-types.ts";

/** The part of an inbound message this policy looks at; other fields pass through untouched. */
export interface MessageWithAttachments {
  text: string;
  attachments: readonly ImsgAttachment[];
}

export type AttachmentPolicyDecision<T extends MessageWithAttachments> =
  | { action: "pass"; message: T }
  | { action: "drop"; reason: "attachment-only"; detail: string };

/** Messages puts U+FFFC (object replacement character) where an attachment sits in the text. */
const objectReplacement = /\uFFFC/g;

/** True when the text carries nothing but whitespace and attachment placeholders. */
export function isAttachmentOnlyText(text: string): boolean {
  return text.replace(objectReplacement, "").trim() === "";
}

/**
 * Applies `includeAttachments`. When it is on, the message passes unchanged. When it is off (the default),
 * an attachment-only message is dropped (the caller logs the reason at debug) and any other message passes
 * with its attachments removed and its placeholder characters stripped, so the agent never sees a dangling U+FFFC.
 */
export function applyIncludeAttachments<T extends MessageWithAttachments>(
  message: T,
  includeAttachments: boolean,
): AttachmentPolicyDecision<T> {
  if (includeAttachments || message.attachments.length === 0) return { action: "pass", message };
  if (isAttachmentOnlyText(message.text)) {
    return {
      action: "drop",
      reason: "attachment-only",
      detail: `attachment-only message with ${message.attachments.length} attachment(s) dropped: channels.imessage.includeAttachments is off`,
    };
  }
  const text = message.text.includes("\uFFFC") ? message.text.replace(objectReplacement, "").trim() : message.text;
  return { action: "pass", message: { ...message, text, attachments: [] } };
}
