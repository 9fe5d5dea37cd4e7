import { appleNanosecondsFromDate, isoFromAppleMilliseconds } from "./apple-time.ts";
import type { ChatStore } from "./chat-store.ts";
import { reactionExclusion } from "./message-row.ts";
import { boundedIntParam, positiveChatIdParam } from "./method-params.ts";
import { RpcError } from "./rpc-error.ts";
import { boolParam, type Params, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

interface StatsRow {
  chat_id: number;
  is_from_me: number;
  handle: string | null;
  service: string | null;
  date_ms: number | null;
  attachments: number;
  bytes: number;
}

function timeZoneParam(params: Params): string {
  const zone = stringParam(params, "time_zone") ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    new Intl.DateTimeFormat("en-CA", { timeZone: zone });
  } catch {
    throw RpcError.invalidParams(`invalid time_zone: ${zone}`);
  }
  return zone;
}

/** Counts per key, largest first (ties by key), as `[{<name>: key, messages}]`. */
function tally(values: string[], name: string): Record<string, unknown>[] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts]
    .sort(([leftKey, left], [rightKey, right]) => right - left || (leftKey < rightKey ? -1 : 1))
    .map(([key, messages]) => ({ [name]: key, messages }));
}

function statsRows(store: ChatStore, chatId: number | undefined): StatsRow[] {
  const chat = chatId === undefined ? "" : " AND cmj.chat_id = ?";
  const sql =
    "SELECT MIN(cmj.chat_id) AS chat_id, m.is_from_me AS is_from_me, h.id AS handle, m.service AS service, " +
    "m.date / 1000000 AS date_ms, (SELECT COUNT(*) FROM message_attachment_join j WHERE j.message_id = m.ROWID) AS attachments, " +
    "(SELECT IFNULL(SUM(a.total_bytes), 0) FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id " +
    "WHERE j.message_id = m.ROWID) AS bytes FROM message m JOIN chat_message_join cmj ON cmj.message_id = m.ROWID " +
    `LEFT JOIN handle h ON h.ROWID = m.handle_id WHERE 1${reactionExclusion(store.schema)}${chat} GROUP BY m.ROWID`;
  const statement = store.database.prepare(sql);
  const rows = (chatId === undefined ? statement.all() : statement.all(chatId)) as Record<string, unknown>[];
  return rows.map((row) => ({
    chat_id: Number(row.chat_id),
    is_from_me: Number(row.is_from_me ?? 0),
    handle: (row.handle as string | null) ?? null,
    service: (row.service as string | null) ?? null,
    date_ms: row.date_ms === null ? null : Number(row.date_ms),
    attachments: Number(row.attachments ?? 0),
    bytes: Number(row.bytes ?? 0),
  }));
}

/**
 * `messages.stats` (docs/imsg-protocol.md, New methods): totals over one chat or all, with per-chat, per-sender
 * (received messages), per-service and per-day (in `time_zone`) counts; `media` only with `include_media`.
 */
export function messagesStats(params: Params, session: SimSession): Record<string, unknown> {
  const chatId = positiveChatIdParam(params, false);
  const store = session.store;
  if (chatId !== undefined && !store.chatExists(chatId)) throw RpcError.invalidParams(`unknown chat_id ${chatId}`);
  const timeZone = timeZoneParam(params);
  const includeMedia = boolParam(params, "include_media") ?? false;
  const rows = statsRows(store, chatId);
  const day = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
  const dates = tally(
    rows.map((row) => day.format(new Date(isoFromAppleMilliseconds(row.date_ms)))),
    "date",
  ).sort((left, right) => (String(left.date) < String(right.date) ? -1 : 1));
  const sent = rows.filter((row) => row.is_from_me !== 0).length;
  return {
    total_messages: rows.length,
    sent_messages: sent,
    received_messages: rows.length - sent,
    time_zone: timeZone,
    chats: tally(
      rows.map((row) => String(row.chat_id)),
      "chat_id",
    ).map((entry) => ({ ...entry, chat_id: Number(entry.chat_id) })),
    senders: tally(
      rows.filter((row) => row.is_from_me === 0).map((row) => row.handle ?? ""),
      "sender",
    ),
    services: tally(
      rows.map((row) => row.service ?? ""),
      "service",
    ),
    dates,
    ...(includeMedia
      ? {
          media: {
            messages_with_attachments: rows.filter((row) => row.attachments > 0).length,
            attachments: rows.reduce((sum, row) => sum + row.attachments, 0),
            total_bytes: rows.reduce((sum, row) => sum + row.bytes, 0),
          },
        }
      : {}),
  };
}

/**
 * `messages.scheduled` (docs/imsg-protocol.md, New methods): future outbound rows with a native schedule,
 * soonest first. A chat.db without the scheduling columns answers -32602.
 */
export function messagesScheduled(params: Params, session: SimSession): Record<string, unknown> {
  const limit = boundedIntParam(params, "limit", 50, { min: 1, message: "limit must be a positive integer" });
  const store = session.store;
  if (!store.schema.scheduling) {
    throw RpcError.invalidParams(
      "messages.scheduled is unavailable because this Messages database has no scheduling columns",
    );
  }
  const rows = store.database
    .prepare(
      "SELECT m.ROWID AS id, IFNULL(m.guid, '') AS guid, MIN(cmj.chat_id) AS chat_id, IFNULL(m.text, '') AS text, " +
        "IFNULL(m.service, '') AS service, m.date / 1000000 AS date_ms, m.schedule_type AS schedule_type, " +
        "m.schedule_state AS schedule_state FROM message m JOIN chat_message_join cmj ON cmj.message_id = m.ROWID " +
        "WHERE m.is_from_me = 1 AND IFNULL(m.schedule_type, 0) != 0 AND m.date > ? " +
        "GROUP BY m.ROWID ORDER BY m.date ASC LIMIT ?",
    )
    .all(appleNanosecondsFromDate(new Date()), limit) as Record<string, unknown>[];
  return {
    messages: rows.map((row) => {
      const chat = store.chatInfo(Number(row.chat_id));
      return {
        id: Number(row.id),
        guid: row.guid,
        chat_id: Number(row.chat_id),
        chat_identifier: chat.identifier,
        chat_guid: chat.guid,
        chat_name: chat.name,
        text: row.text,
        service: row.service,
        scheduled_at: isoFromAppleMilliseconds(Number(row.date_ms)),
        schedule_type: Number(row.schedule_type),
        schedule_state: Number(row.schedule_state),
      };
    }),
  };
}
