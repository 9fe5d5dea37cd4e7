import type { Chat, ChatsListParams, Message, MessagesHistoryParams } from "@imessage-channel/rpc-client";

/** The fields of an imsg chat (`chats.list`) the pass reads. */
export type CatchupChat = Pick<Chat, "id" | "lastMessageAt">;

/** The fields of an imsg message the pass reads; the row is handed to `dispatch` untouched. */
export type CatchupMessage = Pick<Message, "id" | "guid" | "chatId" | "isFromMe" | "createdAt" | "isReaction">;

/**
 * What the pass needs from the imsg connection: `chats.list` and `messages.history` (newest first) through the
 * same JSON-RPC client as the watch. The rpc-client's `ImsgClient` is one as it is.
 */
export interface CatchupSource<Row extends CatchupMessage = Message> {
  chatsList(params: ChatsListParams): Promise<CatchupChat[]>;
  messagesHistory(params: MessagesHistoryParams): Promise<Row[]>;
}
