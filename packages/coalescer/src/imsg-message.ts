import type { CoalescerOptions } from "./coalescer.ts";
import { isUrlOnlyText } from "./merge.ts";

/** The fields of an imsg message that coalescing reads; the rpc-client's camelCase `Message` fits as it is. */
export interface CoalescibleMessage<Attachment = unknown> {
  guid: string;
  chatId: number;
  sender: string;
  text: string;
  isGroup: boolean;
  attachments: readonly Attachment[];
  isReaction?: boolean;
  /** imsg 0.11.1+: the URL-preview row imsg already folded into this text row (docs/imsg-protocol.md#watch-on-010). */
  urlPreview?: { guid: string };
}

/**
 * True for a row that closes its composition: a URL balloon (Apple sends it last), or a link send imsg already
 * folded (`urlPreview`): imsg held it up to 2 s for its preview, so there is nothing left of it to wait for.
 */
export function endsComposition(message: Pick<CoalescibleMessage, "text" | "urlPreview">): boolean {
  return message.urlPreview !== undefined || isUrlOnlyText(message.text);
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
    endsComposition,
  };
}
