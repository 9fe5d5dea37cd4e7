import type { CoalescerOptions } from "./coalescer.ts";
import { mergeableText } from "./merge.ts";

/** The fields of an imsg `message` notification (snake_case, as they arrive) that coalescing reads. */
export interface CoalescibleMessage<Attachment = unknown> {
  guid: string;
  chat_id: number;
  sender: string;
  text: string;
  is_group: boolean;
  attachments: readonly Attachment[];
  is_reaction?: boolean;
}

const urlOnly = /^https?:\/\/\S+$/i;

/** True when a row's text is one URL and nothing else: the preview balloon Apple sends last in a split send. */
export function isUrlOnlyText(text: string): boolean {
  return urlOnly.test(mergeableText(text));
}

/** Account + chat + sender; undefined for group chats (and tapbacks), which are never coalesced. */
export function messageKey(
  accountId: string,
  message: CoalescibleMessage,
  isGroup: boolean = message.is_group,
): string | undefined {
  if (isGroup || message.is_reaction) return undefined;
  return JSON.stringify([accountId, message.chat_id, message.sender]);
}

/**
 * Accessors for coalescing imsg messages of one account. `isGroup` lets the app count a configured
 * group-ish chat (`is_group: false` but listed under `groups`) as a group.
 */
export function imsgMessageAccessors<Attachment, Message extends CoalescibleMessage<Attachment>>(
  accountId: string,
  isGroup: (message: Message) => boolean = (message) => message.is_group,
): Pick<CoalescerOptions<Message, Attachment>, "keyOf" | "textOf" | "attachmentsOf" | "guidOf" | "endsComposition"> {
  return {
    keyOf: (message) => messageKey(accountId, message, isGroup(message)),
    textOf: (message) => message.text,
    attachmentsOf: (message) => message.attachments,
    guidOf: (message) => message.guid,
    endsComposition: (message) => isUrlOnlyText(message.text),
  };
}
