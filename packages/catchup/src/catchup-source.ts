/** The fields of an imsg chat (`chats.list`, imsg-protocol.md §4.1) the pass reads. */
export interface CatchupChat {
  id: number;
  last_message_at: string;
}

/**
 * The fields of an imsg message (imsg-protocol.md §4.2) the pass reads, snake_case as they arrive; the row is
 * handed to `dispatch` untouched, so callers keep their richer message type.
 */
export interface CatchupMessage {
  id: number;
  guid: string;
  chat_id: number;
  is_from_me: boolean;
  created_at: string;
  is_reaction?: boolean;
}

export interface HistoryQuery {
  chatId: number;
  limit: number;
  /** ISO-8601, inclusive. */
  start?: string;
  /** ISO-8601, exclusive. */
  end?: string;
}

/**
 * What the pass needs from the imsg connection: `chats.list` and `messages.history` (newest first), through
 * the same JSON-RPC client as the watch. The rpc-client satisfies it with a two-line adapter.
 */
export interface CatchupSource<Message extends CatchupMessage = CatchupMessage> {
  listChats(limit: number): Promise<CatchupChat[]>;
  history(query: HistoryQuery): Promise<Message[]>;
}
