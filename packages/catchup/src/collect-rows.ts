import type { CatchupImsg, CatchupMessage, RowFeed } from "./catchup-source.ts";
import type { CatchupLog, CursorPosition } from "./cursor-store.ts";
import { rowTimeMs } from "./row-position.ts";

/** Chats asked of `chats.list`: far more than one person keeps active within the 12-hour maximum window. */
export const chatListLimit = 1000;
/** Rows asked per `messages.history` page. */
export const historyPageSize = 100;

export interface CollectOptions<Row extends CatchupMessage> {
  imsg: Pick<CatchupImsg<Row>, "chatsList" | "messagesHistory">;
  cursor: CursorPosition;
  /** Rows dated before this are outside the window; passed to imsg as `start`. */
  fenceMs: number;
  log: CatchupLog;
  pageSize?: number;
}

function isoOf(timeMs: number): string {
  return new Date(timeMs).toISOString();
}

/** Whether a row is at or behind the cursor in both rowid and time: everything older was seen before. */
function reachedCursor(row: CatchupMessage, cursor: CursorPosition): boolean {
  return row.id <= cursor.lastSeenRowid && rowTimeMs(row) <= cursor.lastSeenMs;
}

/**
 * Every row of every chat inside the window, paged back from the newest (history is newest first) until a
 * page is not full (the window is exhausted) or its oldest row reaches the cursor. Paging, not one capped
 * query per chat, is what keeps a busy chat's oldest missed rows from being cut off.
 */
export async function collectRows<Row extends CatchupMessage>(options: CollectOptions<Row>): Promise<Row[]> {
  const { imsg, cursor, fenceMs } = options;
  const chats = await imsg.chatsList({ limit: chatListLimit });
  const activeChats = chats.filter((chat) => !(Date.parse(chat.lastMessageAt) < fenceMs));
  if (chats.length >= chatListLimit && activeChats.length === chats.length) {
    options.log(
      "warn",
      `imessage catchup: chats.list returned its limit of ${chatListLimit} chats, all active inside the window; rows in older-active chats are not replayed`,
    );
  }
  const seen = new Set<number>();
  const rows: Row[] = [];
  const start = isoOf(fenceMs);
  for (const chat of activeChats) {
    let end: string | undefined;
    let pageSize = options.pageSize ?? historyPageSize;
    for (;;) {
      const page = await imsg.messagesHistory({ chatId: chat.id, limit: pageSize, start, ...(end ? { end } : {}) });
      let added = 0;
      for (const row of page) {
        if (seen.has(row.id)) continue;
        seen.add(row.id);
        rows.push(row);
        added += 1;
      }
      if (page.length < pageSize) break;
      const oldest = page.reduce((a, b) => (rowTimeMs(b) < rowTimeMs(a) ? b : a));
      if (reachedCursor(oldest, cursor)) break;
      if (!Number.isFinite(rowTimeMs(oldest))) {
        options.log(
          "warn",
          `imessage catchup: chat ${chat.id} row ${oldest.id} has an unreadable createdAt "${oldest.createdAt}"; stopped paging that chat`,
        );
        break;
      }
      if (added === 0) {
        // A full page of rows sharing one millisecond: `end` cannot split them, so widen the page instead.
        pageSize *= 2;
        continue;
      }
      // `end` is exclusive and imsg times have millisecond precision: keep the oldest millisecond in the next
      // page so rows sharing it are not skipped; the rowid set drops the repeats.
      end = isoOf(rowTimeMs(oldest) + 1);
    }
  }
  return rows;
}

/**
 * The `messages.history` feed (every imsg): one batch holding every row inside the window, so a drain of several
 * passes reads imsg once and walks that batch `perRunLimit` rows at a time.
 */
export function historyFeed<Row extends CatchupMessage>(options: CollectOptions<Row>): RowFeed<Row> {
  return {
    next: async () => ({ rows: await collectRows(options), done: true }),
  };
}
