import { normalizeHandle } from "@imessage-channel/policy";
import { OutboundError } from "./outbound-error.ts";
import type { ChatIdentity, SendTargetParams } from "./send-target.ts";

/** The conversation an action answers: its send target, every identity the inbound row carried, whether a group. */
export interface OwnConversation {
  chat: SendTargetParams;
  isGroup: boolean;
  identity?: ChatIdentity;
}

function identityOf(chat: SendTargetParams): ChatIdentity {
  if ("chat_id" in chat) return { chatId: chat.chat_id };
  if ("chat_guid" in chat) return { chatGuid: chat.chat_guid };
  if ("chat_identifier" in chat) return { chatIdentifier: chat.chat_identifier };
  return { handle: chat.to };
}

/**
 * Whether `target` is the conversation itself, by any of its identities. A handle names a DM's peer only:
 * in a group, `to: <member>` would open a private chat with one member, which is another conversation.
 */
export function isOwnConversation(target: SendTargetParams, own: OwnConversation, region?: string): boolean {
  if (target === own.chat) return true;
  const identity = { ...identityOf(own.chat), ...own.identity };
  const sameHandle = (handle: string) =>
    !own.isGroup &&
    [identity.handle, identity.chatIdentifier].some(
      (known) => known !== undefined && normalizeHandle(known, region) === normalizeHandle(handle, region),
    );
  if ("chat_id" in target) return identity.chatId === target.chat_id;
  if ("chat_guid" in target) return identity.chatGuid === target.chat_guid;
  if ("chat_identifier" in target)
    return identity.chatIdentifier === target.chat_identifier || sameHandle(target.chat_identifier);
  return sameHandle(target.to);
}

function describeTarget(target: SendTargetParams): string {
  if ("chat_id" in target) return `chatId ${target.chat_id}`;
  if ("chat_guid" in target) return `chatGuid ${JSON.stringify(target.chat_guid)}`;
  if ("chat_identifier" in target) return `chatIdentifier ${JSON.stringify(target.chat_identifier)}`;
  return `to ${JSON.stringify(target.to)}`;
}

/** CROSS_CHAT_REFUSED for an action aimed at another conversation than the one it answers. */
export function crossChatRefusedError(action: string, target: SendTargetParams): OutboundError {
  return new OutboundError(
    "CROSS_CHAT_REFUSED",
    `iMessage ${action} names another conversation (${describeTarget(target)}) than the one it answers; drop the target, or set allowCrossChat: true on the agent in agents.list to let it send elsewhere`,
  );
}
