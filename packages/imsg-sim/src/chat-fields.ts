import type { DatabaseSync } from "node:sqlite";
import type { PayloadFields } from "./message-fields.ts";
import type { SchemaCapabilities } from "./schema-probe.ts";
import type { WireChat } from "./wire-types.ts";

/** Inbound messages of a chat not yet read; tapback rows do not count (docs/imsg-protocol.md, New fields). */
export function unreadCount(database: DatabaseSync, schema: SchemaCapabilities, chatId: number): number {
  const tapbacks = schema.reactionColumns
    ? " AND (m.associated_message_type IS NULL OR m.associated_message_type < 2000 OR m.associated_message_type > 3006)"
    : "";
  const row = database
    .prepare(
      "SELECT COUNT(*) AS count FROM chat_message_join cmj JOIN message m ON m.ROWID = cmj.message_id " +
        `WHERE cmj.chat_id = ? AND m.is_from_me = 0 AND IFNULL(m.is_read, 0) = 0${tapbacks}`,
    )
    .get(chatId) as { count: number };
  return Number(row.count);
}

/** The chat row's display name and routing columns, "" when absent. */
export function chatRoutingColumns(
  database: DatabaseSync,
  schema: SchemaCapabilities,
  chatId: number,
): Record<"display_name" | "account_id" | "account_login" | "last_addressed_handle", string> {
  const columns = schema.chatAccountColumns
    ? "IFNULL(account_id, '') AS account_id, IFNULL(account_login, '') AS account_login, " +
      "IFNULL(last_addressed_handle, '') AS last_addressed_handle"
    : "'' AS account_id, '' AS account_login, '' AS last_addressed_handle";
  const row = database
    .prepare(`SELECT IFNULL(display_name, '') AS display_name, ${columns} FROM chat WHERE ROWID = ?`)
    .get(chatId) as Record<string, string> | undefined;
  return {
    display_name: row?.display_name ?? "",
    account_id: row?.account_id ?? "",
    account_login: row?.account_login ?? "",
    last_addressed_handle: row?.last_addressed_handle ?? "",
  };
}

/**
 * Adds the later-release chat fields in place: `display_name` always (0.14), `account_*` when non-empty (the
 * "inapplicable strings are omitted" convention), `unread_count` (0.13) when the schema has read state.
 */
export function addChatFields(
  chat: WireChat,
  database: DatabaseSync,
  schema: SchemaCapabilities,
  fields: PayloadFields,
): void {
  if (fields.canonicalChat) {
    const routing = chatRoutingColumns(database, schema, chat.id);
    chat.display_name = routing.display_name;
    for (const key of ["account_id", "account_login", "last_addressed_handle"] as const) {
      if (routing[key] !== "") chat[key] = routing[key];
    }
  }
  if (fields.readState && schema.readState) chat.unread_count = unreadCount(database, schema, chat.id);
}
