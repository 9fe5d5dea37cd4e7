import { normalizeHandle, type Target } from "@imessage-channel/policy";
import type { Chat } from "@imessage-channel/rpc-client";

/**
 * The chat a `history` target names among the Mac's recent chats (`messages.history` takes a chat id only): a
 * `chat_id:` as given, a guid or identifier by equality, a handle by its direct chat (any spelling of the number).
 * Undefined when no listed chat matches.
 */
export function chatForTarget(target: Target, chats: readonly Chat[], region: string): Chat | undefined {
  switch (target.kind) {
    case "chat-id":
      return chats.find((chat) => chat.id === target.chatId);
    case "chat-guid":
      return chats.find((chat) => chat.guid === target.chatGuid);
    case "chat-identifier":
      return chats.find((chat) => chat.identifier === target.chatIdentifier);
    case "handle": {
      const direct = chats.filter((chat) => !chat.isGroup);
      return direct.find(
        (chat) =>
          normalizeHandle(chat.identifier, region) === target.handle ||
          (chat.participants.length === 1 && normalizeHandle(chat.participants[0] ?? "", region) === target.handle),
      );
    }
  }
}
