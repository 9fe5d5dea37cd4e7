import type {
  Chat,
  ChatsListParams,
  Message,
  MessagesAfterParams,
  MessagesHistoryParams,
} from "@imessage-channel/rpc-client";
import type { CursorPosition } from "./cursor-store.ts";

/** The fields of an imsg chat (`chats.list`) the pass reads. */
export type CatchupChat = Pick<Chat, "id" | "lastMessageAt">;

/** The fields of an imsg message the pass reads; the row is handed to `dispatch` untouched. */
export type CatchupMessage = Pick<Message, "id" | "guid" | "chatId" | "isFromMe" | "createdAt" | "isReaction">;

/** One page of `messages.after` as the rpc-client resolves it. */
export interface CatchupAfterPage<Row extends CatchupMessage> {
  messages: Row[];
  nextRowid: number;
  hasMore: boolean;
}

/**
 * What catchup reads from the imsg connection, through the same JSON-RPC client as the watch: `chats.list` and
 * `messages.history` (every imsg), `messages.after` (0.14+). The rpc-client's `ImsgClient` is one as it is.
 */
export interface CatchupImsg<Row extends CatchupMessage = Message> {
  chatsList(params: ChatsListParams): Promise<CatchupChat[]>;
  messagesHistory(params: MessagesHistoryParams): Promise<Row[]>;
  messagesAfter(params: MessagesAfterParams): Promise<CatchupAfterPage<Row>>;
}

/** The imsg method a drain reads its rows with. */
export type CatchupMethod = "messages.after" | "messages.history";

/** Which method a drain reads with, and why (the reason is logged). */
export interface CatchupSourceChoice {
  method: CatchupMethod;
  reason: string;
}

/**
 * Pure: `messages.after` (ROWID ascending from the saved cursor, docs/imsg-protocol.md#messagesafter) when the
 * connection negotiated it and the cursor has passed a row; `messages.history` otherwise. A cursor at rowid 0 (a
 * first run) has a window in time only, which just `messages.history` can open: `messages.after` from 0 would page
 * the whole database to find it.
 */
export function chooseCatchupSource(
  methods: readonly string[] | undefined,
  cursor: Pick<CursorPosition, "lastSeenRowid">,
): CatchupSourceChoice {
  if (!methods?.includes("messages.after"))
    return { method: "messages.history", reason: "this imsg has no messages.after: it is older than 0.14" };
  if (cursor.lastSeenRowid === 0)
    return { method: "messages.history", reason: "first run: the lookback window is in time, not rowids" };
  return { method: "messages.after", reason: `from rowid ${cursor.lastSeenRowid}` };
}

/** A batch a feed read: rows in any order (the plan sorts them); `done` once imsg has nothing more for the drain. */
export interface FeedBatch<Row extends CatchupMessage> {
  rows: Row[];
  done: boolean;
}

/** Where one drain reads its rows: each `next()` reads one more batch after the previous one. */
export interface RowFeed<Row extends CatchupMessage> {
  next(): Promise<FeedBatch<Row>>;
}
