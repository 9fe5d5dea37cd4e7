import type { SQLInputValue } from "node:sqlite";
import type { ChatStore } from "./chat-store.ts";
import { type MessageRow, messageColumns, reactionExclusion, toMessageRow } from "./message-row.ts";

/** Rows after a ROWID, ascending; each physical row once, with the lowest linked chat unless one chat is asked for. */
export function rowsAfter(
  store: ChatStore,
  query: { sinceRowid: number; chatId?: number; includeReactions: boolean; limit: number },
): MessageRow[] {
  const parameters: SQLInputValue[] = [query.sinceRowid];
  let where = "m.ROWID > ?";
  if (query.chatId !== undefined) {
    where += " AND cmj.chat_id = ?";
    parameters.push(query.chatId);
  }
  if (!query.includeReactions) where += reactionExclusion(store.schema);
  parameters.push(query.limit);
  const sql =
    `SELECT ${messageColumns(store.schema)}, MIN(cmj.chat_id) AS chat_id FROM message m ` +
    "JOIN chat_message_join cmj ON cmj.message_id = m.ROWID LEFT JOIN handle h ON h.ROWID = m.handle_id " +
    `WHERE ${where} GROUP BY m.ROWID ORDER BY m.ROWID ASC LIMIT ?`;
  return (store.database.prepare(sql).all(...parameters) as Record<string, unknown>[]).map(toMessageRow);
}

/** Every non-tapback row with a chat, newest first, each once with its lowest linked chat: what search scans. */
export function searchableRows(store: ChatStore): MessageRow[] {
  const sql =
    `SELECT ${messageColumns(store.schema)}, MIN(cmj.chat_id) AS chat_id FROM message m ` +
    "JOIN chat_message_join cmj ON cmj.message_id = m.ROWID LEFT JOIN handle h ON h.ROWID = m.handle_id " +
    `WHERE 1${reactionExclusion(store.schema)} GROUP BY m.ROWID ORDER BY m.date DESC, m.ROWID DESC`;
  return (store.database.prepare(sql).all() as Record<string, unknown>[]).map(toMessageRow);
}
