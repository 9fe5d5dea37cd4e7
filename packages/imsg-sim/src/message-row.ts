import type { SchemaCapabilities } from "./schema-probe.ts";

/** A `message` row joined with its chat and handle, as every imsg message query selects it. */
export interface MessageRow {
  rowid: number;
  chat_id: number;
  handle: string | null;
  text: string | null;
  date_ms: number | null;
  is_from_me: number;
  attributed_body: Uint8Array | null;
  guid: string | null;
  associated_message_guid: string | null;
  associated_message_type: number | null;
  thread_originator_guid: string | null;
  destination_caller_id: string | null;
  balloon_bundle_id: string | null;
  is_audio_message: number;
  is_read: number | null;
  date_read_ms: number | null;
  payload_data: Uint8Array | null;
}

/** The columns of a message query, with NULL (or 0) for each one this chat.db version lacks. */
export function messageColumns(schema: SchemaCapabilities): string {
  return [
    "m.ROWID AS rowid",
    "h.id AS handle",
    "m.text AS text",
    "m.date / 1000000 AS date_ms",
    "m.is_from_me AS is_from_me",
    schema.attributedBody ? "m.attributedBody AS attributed_body" : "NULL AS attributed_body",
    schema.reactionColumns ? "m.guid AS guid" : "NULL AS guid",
    schema.reactionColumns ? "m.associated_message_guid AS associated_message_guid" : "NULL AS associated_message_guid",
    schema.reactionColumns ? "m.associated_message_type AS associated_message_type" : "NULL AS associated_message_type",
    schema.threadOriginatorGuid
      ? "m.thread_originator_guid AS thread_originator_guid"
      : "NULL AS thread_originator_guid",
    schema.destinationCallerId ? "m.destination_caller_id AS destination_caller_id" : "NULL AS destination_caller_id",
    schema.balloonBundleId ? "m.balloon_bundle_id AS balloon_bundle_id" : "NULL AS balloon_bundle_id",
    schema.isAudioMessage ? "m.is_audio_message AS is_audio_message" : "0 AS is_audio_message",
    schema.readState ? "m.is_read AS is_read" : "NULL AS is_read",
    schema.readState ? "m.date_read / 1000000 AS date_read_ms" : "NULL AS date_read_ms",
    schema.payloadData ? "m.payload_data AS payload_data" : "NULL AS payload_data",
    "(SELECT COUNT(*) FROM message_attachment_join maj WHERE maj.message_id = m.ROWID) AS attachment_count",
  ].join(", ");
}

/** The WHERE tail that hides tapback rows (associated_message_type 2000..3006) from history and watch. */
export function reactionExclusion(schema: SchemaCapabilities): string {
  if (!schema.reactionColumns) return "";
  return " AND (m.associated_message_type IS NULL OR m.associated_message_type < 2000 OR m.associated_message_type > 3006)";
}

/** A raw SQLite row of a message query as a `MessageRow`. */
export function toMessageRow(raw: Record<string, unknown>): MessageRow {
  return {
    rowid: Number(raw.rowid),
    chat_id: Number(raw.chat_id ?? 0),
    handle: (raw.handle as string | null) ?? null,
    text: (raw.text as string | null) ?? null,
    date_ms: raw.date_ms === null ? null : Number(raw.date_ms),
    is_from_me: Number(raw.is_from_me ?? 0),
    attributed_body: (raw.attributed_body as Uint8Array | null) ?? null,
    guid: (raw.guid as string | null) ?? null,
    associated_message_guid: (raw.associated_message_guid as string | null) ?? null,
    associated_message_type: raw.associated_message_type === null ? null : Number(raw.associated_message_type),
    thread_originator_guid: (raw.thread_originator_guid as string | null) ?? null,
    destination_caller_id: (raw.destination_caller_id as string | null) ?? null,
    balloon_bundle_id: (raw.balloon_bundle_id as string | null) ?? null,
    is_audio_message: Number(raw.is_audio_message ?? 0),
    is_read: raw.is_read === null || raw.is_read === undefined ? null : Number(raw.is_read),
    date_read_ms: raw.date_read_ms === null || raw.date_read_ms === undefined ? null : Number(raw.date_read_ms),
    payload_data: (raw.payload_data as Uint8Array | null) ?? null,
  };
}
