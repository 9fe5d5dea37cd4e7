import type { CoalescerOptions } from "./coalescer.ts";
import { mergeableText } from "./merge.ts";

/** The fields of an imsg message that coalescing reads; the rpc-client's camelCase `Message` fits as it is. */
export interface CoalescibleMessage<Attachment = unknown> {
  guid: string;
  chatId: number;
  sender: string;
  text: string;
  isGroup: boolean;
  attachments: readonly Attachment[];
  isReaction?: boolean;
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
  isGroup: boolean = message.isGroup,
): string | undefined {
  if (isGroup || message.isReaction) return undefined;
  return JSON.stringify([accountId, message.chatId, message.sender]);
}

/**
 * Accessors for coalescing imsg messages of one account. `isGroup` lets the app count a configured
 * group-ish chat (`isGroup: false` but listed under `groups`) as a group.
 */
export function imsgMessageAccessors<Attachment, Message extends CoalescibleMessage<Attachment>>(
  accountId: string,
  isGroup: (message: Message) => boolean = (message) => message.isGroup,
): Pick<CoalescerOptions<Message, Attachment>, "keyOf" | "textOf" | "attachmentsOf" | "guidOf" | "endsComposition"> {
  return {
    keyOf: (message) => messageKey(accountId, message, isGroup(message)),
    textOf: (message) => message.text,
    attachmentsOf: (message) => message.attachments,
    guidOf: (message) => message.guid,
    endsComposition: (message) => isUrlOnlyText(message.text),
  };
}
