import type { DatabaseSync } from "node:sqlite";

/** Optional chat.db columns imsg detects at startup (docs/imsg-protocol.md#schema-detection). */
export interface SchemaCapabilities {
  attributedBody: boolean;
  /** `guid`, `associated_message_guid` and `associated_message_type` all exist. */
  reactionColumns: boolean;
  threadOriginatorGuid: boolean;
  destinationCallerId: boolean;
  isAudioMessage: boolean;
  balloonBundleId: boolean;
  attachmentUserInfo: boolean;
  messageDate: boolean;
  /** `chat.account_id`, `account_login`, `last_addressed_handle` (CLI `chats --json` only). */
  chatAccountColumns: boolean;
  /** `message.is_read` and `date_read`: 0.13+ reports read state (`is_read`, `unread_count`). */
  readState: boolean;
  /** `message.payload_data`: where extension balloons (polls) keep their data. */
  payloadData: boolean;
  /** `message.schedule_type` and `schedule_state`: native scheduled sends (`messages.scheduled`). */
  scheduling: boolean;
}

export function columnsOf(database: DatabaseSync, table: string): Set<string> {
  const rows = database.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
  return new Set(rows.map((row) => row.name.toLowerCase()));
}

/** Probes `message`, `attachment`, `chat_message_join` and `chat`; a missing table yields no columns. */
export function probeSchema(database: DatabaseSync): SchemaCapabilities {
  const message = columnsOf(database, "message");
  const attachment = columnsOf(database, "attachment");
  const chatMessageJoin = columnsOf(database, "chat_message_join");
  const chat = columnsOf(database, "chat");
  return {
    attributedBody: message.has("attributedbody"),
    reactionColumns:
      message.has("guid") && message.has("associated_message_guid") && message.has("associated_message_type"),
    threadOriginatorGuid: message.has("thread_originator_guid"),
    destinationCallerId: message.has("destination_caller_id"),
    isAudioMessage: message.has("is_audio_message"),
    balloonBundleId: message.has("balloon_bundle_id"),
    attachmentUserInfo: attachment.has("user_info"),
    messageDate: chatMessageJoin.has("message_date"),
    chatAccountColumns: chat.has("account_id") && chat.has("account_login") && chat.has("last_addressed_handle"),
    readState: message.has("is_read") && message.has("date_read"),
    payloadData: message.has("payload_data"),
    scheduling: message.has("schedule_type") && message.has("schedule_state"),
  };
}
