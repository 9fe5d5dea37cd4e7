import type { Delivery, DeliveryOptions, TrackedSendState } from "@imessage-channel/outbound";
import type { Message } from "@imessage-channel/rpc-client";

/** A validated imsg message, camelCase, as the rpc-client delivers it. */
export type ImsgMessage = Message;

/** Where a reply goes: the chat of the inbound row, by every identity it carried. */
export interface ChatAddress {
  chatId: number;
  chatGuid?: string;
  chatIdentifier?: string;
  /** The DM peer's handle (for echo matching and as a fallback target). */
  handle?: string;
  isGroup: boolean;
}

/**
 * What the pipeline needs from the one long-lived imsg connection of its account. The gateway implements it
 * over the rpc-client; every call rides the same child (never a process per send).
 */
export interface ImsgPort {
  /** The sends of one reply (or one gateway text) to `chat`, each once (outbound's `createMessageSender`). */
  delivery(chat: ChatAddress, options?: DeliveryOptions): Delivery;
  /** Marks the chat read; resolves false when the bridge cannot (the caller logs once). */
  markRead(chat: ChatAddress): Promise<boolean>;
  /** Shows or hides the typing bubble; resolves false when the bridge cannot. */
  setTyping(chat: ChatAddress, typing: boolean): Promise<boolean>;
  /** The chat's service (`iMessage`, `SMS`, `RCS`) from `chats.list`; undefined when imsg cannot say. */
  chatService(chat: ChatAddress): Promise<string | undefined>;
  /** Whether `guid` is a message we sent in this chat (a recent one: looked up in its history). */
  isOwnMessage(chat: ChatAddress, guid: string): Promise<boolean>;
  /** The chat's newest `limit` messages, newest first; empty when imsg cannot say. */
  recentMessages(chat: ChatAddress, limit: number): Promise<ImsgMessage[]>;
  /** Where Messages is with a tracked send (`message.send_status`); undefined when imsg cannot say. */
  sendStatus(guid: string): Promise<TrackedSendState | undefined>;
}

/** Every identity a chat can come back under, so our own sends are recognised however imsg reports them. */
export function chatKeys(chat: ChatAddress): string[] {
  const keys = [`chat_id:${chat.chatId}`];
  if (chat.chatGuid) keys.push(`chat_guid:${chat.chatGuid}`);
  if (chat.chatIdentifier) keys.push(`chat_identifier:${chat.chatIdentifier}`);
  if (chat.handle) keys.push(`handle:${chat.handle.toLowerCase()}`);
  return keys;
}

/** Where the row came from; `isGroup` is policy's verdict when there is one (a multi-person thread with is_group=false is a group). */
export function chatAddressOf(message: ImsgMessage, isGroup = message.isGroup): ChatAddress {
  return {
    chatId: message.chatId,
    chatGuid: message.chatGuid || undefined,
    chatIdentifier: message.chatIdentifier || undefined,
    handle: isGroup ? undefined : message.sender,
    isGroup,
  };
}
