import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { isoFromAppleMilliseconds } from "./apple-time.ts";
import { decodeAttributedBody } from "./attributed-body.ts";
import { addChatFields } from "./chat-fields.ts";
import type { ContactBook } from "./contact-book.ts";
import { expandImsgHome, isPresentFile } from "./home-path.ts";
import { addMessageFields, legacyPayloadFields, type PayloadFields } from "./message-fields.ts";
import { type MessageRow, messageColumns, reactionExclusion, toMessageRow } from "./message-row.ts";
import { readPropertyListString } from "./property-list.ts";
import { reactionState } from "./reaction-state.ts";
import { isTapbackType, normalizeAssociatedGuid, resolveTapback } from "./reactions.ts";
import { probeSchema, type SchemaCapabilities } from "./schema-probe.ts";
import type { WireAttachment, WireChat, WireMessage, WireReaction } from "./wire-types.ts";

export type { MessageRow } from "./message-row.ts";

interface ChatInfo {
  identifier: string;
  guid: string;
  name: string;
  service: string;
  participants: string[];
  isGroup: boolean;
}

export interface HistoryQuery {
  chatId: number;
  limit: number;
  participants: string[];
  startNanoseconds?: bigint;
  endNanoseconds?: bigint;
  includeAttachments: boolean;
}

export interface MessageBuildOptions {
  includeAttachments: boolean;
  includeReactions: boolean;
}

const emptyChat: ChatInfo = { identifier: "", guid: "", name: "", service: "", participants: [], isGroup: false };

/**
 * Read side of a chat.db with imsg 0.9.0's SQL and payload rules: schema-version detection, IFNULL names,
 * newest-first history, hidden tapback rows, sender fallback and a per-process chat cache.
 */
export class ChatStore {
  readonly database: DatabaseSync;
  readonly schema: SchemaCapabilities;
  /** Contacts of the simulated Mac; absent on Linux, where names never resolve. */
  readonly contacts: ContactBook | undefined;
  readonly #chatCache = new Map<number, ChatInfo>();
  /** The later-release fields messages and chats carry; the session sets them from its personality. */
  payload: PayloadFields = legacyPayloadFields;

  constructor(path: string, contacts?: ContactBook) {
    this.database = new DatabaseSync(path, { readOnly: true, timeout: 5000 });
    this.schema = probeSchema(this.database);
    this.contacts = contacts;
  }

  close(): void {
    this.database.close();
  }

  /** `MAX(message.ROWID)`, or 0 for an empty table: where a tailing watch starts. */
  maxRowid(): number {
    const row = this.database.prepare("SELECT IFNULL(MAX(ROWID), 0) AS max_rowid FROM message").get() as {
      max_rowid: number;
    };
    return Number(row.max_rowid);
  }

  /** Chat identity and participants, cached for the life of the process like imsg; unknown chats are not cached. */
  chatInfo(chatId: number): ChatInfo {
    const cached = this.#chatCache.get(chatId);
    if (cached) return cached;
    const row = this.database
      .prepare(
        "SELECT IFNULL(chat_identifier, '') AS identifier, IFNULL(guid, '') AS guid, " +
          "IFNULL(IFNULL(display_name, chat_identifier), '') AS name, IFNULL(service_name, '') AS service " +
          "FROM chat WHERE ROWID = ?",
      )
      .get(chatId) as { identifier: string; guid: string; name: string; service: string } | undefined;
    if (!row) return emptyChat;
    const handles = this.database
      .prepare(
        "SELECT h.id AS id FROM chat_handle_join chj JOIN handle h ON h.ROWID = chj.handle_id WHERE chj.chat_id = ?",
      )
      .all(chatId) as { id: string | null }[];
    const participants = [...new Set(handles.map((handle) => handle.id ?? "").filter((id) => id !== ""))].sort(
      (left, right) => (left < right ? -1 : left > right ? 1 : 0),
    );
    const info: ChatInfo = {
      identifier: row.identifier,
      guid: row.guid,
      name: row.name,
      service: row.service,
      participants,
      isGroup: row.guid.includes(";+;") || row.identifier.includes(";+;"),
    };
    this.#chatCache.set(chatId, info);
    return info;
  }

  /** Whether a chat row exists, bypassing nothing: used for `chat_id` target resolution. */
  chatExists(chatId: number): boolean {
    return this.chatInfo(chatId) !== emptyChat;
  }

  /** `chats.list`: chats that have joined messages, newest activity first. */
  listChats(limit: number, unreadOnly = false): WireChat[] {
    const sql = this.schema.messageDate
      ? "SELECT cmj.chat_id AS id, MAX(cmj.message_date) / 1000000 AS last_ms FROM chat c " +
        "JOIN chat_message_join cmj ON cmj.chat_id = c.ROWID GROUP BY cmj.chat_id ORDER BY MAX(cmj.message_date) DESC LIMIT ?"
      : "SELECT cmj.chat_id AS id, MAX(m.date) / 1000000 AS last_ms FROM chat c " +
        "JOIN chat_message_join cmj ON cmj.chat_id = c.ROWID JOIN message m ON m.ROWID = cmj.message_id " +
        "GROUP BY cmj.chat_id ORDER BY MAX(m.date) DESC LIMIT ?";
    // unread_only keeps chats with an unread inbound message; last_message_at still spans every message.
    const unread =
      " WHERE cmj.chat_id IN (SELECT j.chat_id FROM chat_message_join j JOIN message u ON u.ROWID = j.message_id " +
      "WHERE u.is_from_me = 0 AND IFNULL(u.is_read, 0) = 0) GROUP BY";
    const filtered = unreadOnly ? sql.replace(" GROUP BY", unread) : sql;
    const rows = this.database.prepare(filtered).all(limit) as { id: number; last_ms: number | null }[];
    return rows.map((row) => {
      const info = this.chatInfo(Number(row.id));
      const contactName = info.isGroup ? undefined : this.contacts?.nameFor(info.identifier);
      const chat: WireChat = {
        id: Number(row.id),
        identifier: info.identifier,
        guid: info.guid,
        name: info.name,
        service: info.service,
        last_message_at: isoFromAppleMilliseconds(row.last_ms === null ? null : Number(row.last_ms)),
        participants: info.participants,
        is_group: info.isGroup,
        ...(contactName === undefined ? {} : { contact_name: contactName }),
      };
      addChatFields(chat, this.database, this.schema, this.payload);
      return chat;
    });
  }

  /** The extra keys CLI `chats --json` prints (RPC `chats.list` leaves them out); empty strings when absent. */
  cliChatFields(chatId: number): Record<string, string> {
    const columns = this.schema.chatAccountColumns
      ? "IFNULL(account_id, '') AS account_id, IFNULL(account_login, '') AS account_login, " +
        "IFNULL(last_addressed_handle, '') AS last_addressed_handle"
      : "'' AS account_id, '' AS account_login, '' AS last_addressed_handle";
    const row = this.database
      .prepare(`SELECT IFNULL(display_name, '') AS display_name, ${columns} FROM chat WHERE ROWID = ?`)
      .get(chatId) as Record<string, string> | undefined;
    return { ...(row ?? {}) };
  }

  /** `messages.history` rows: filters in SQL before the limit, newest first, tapback rows hidden. */
  historyRows(query: HistoryQuery): MessageRow[] {
    const parameters: SQLInputValue[] = [query.chatId];
    let where = "cmj.chat_id = ?" + reactionExclusion(this.schema);
    if (query.participants.length > 0) {
      const sender = this.schema.destinationCallerId ? "COALESCE(NULLIF(h.id, ''), m.destination_caller_id)" : "h.id";
      where += ` AND ${sender} COLLATE NOCASE IN (${query.participants.map(() => "?").join(", ")})`;
      parameters.push(...query.participants);
    }
    if (query.startNanoseconds !== undefined) {
      where += " AND m.date >= ?";
      parameters.push(query.startNanoseconds);
    }
    if (query.endNanoseconds !== undefined) {
      where += " AND m.date < ?";
      parameters.push(query.endNanoseconds);
    }
    parameters.push(query.limit);
    const sql =
      `SELECT ${messageColumns(this.schema)}, cmj.chat_id AS chat_id FROM message m ` +
      "JOIN chat_message_join cmj ON cmj.message_id = m.ROWID LEFT JOIN handle h ON h.ROWID = m.handle_id " +
      `WHERE ${where} ORDER BY m.date DESC LIMIT ?`;
    const rows = this.database.prepare(sql).all(...parameters) as Record<string, unknown>[];
    return rows.map((row) => toMessageRow(row));
  }

  /** One watch batch: rows after the exclusive cursor, ROWID ascending, at most `batchSize`. */
  watchRows(cursor: number, chatId: number | undefined, includeReactions: boolean, batchSize: number): MessageRow[] {
    const parameters: SQLInputValue[] = [cursor];
    let where = "m.ROWID > ?";
    if (chatId !== undefined) {
      where += " AND cmj.chat_id = ?";
      parameters.push(chatId);
    }
    if (!includeReactions) where += reactionExclusion(this.schema);
    parameters.push(batchSize);
    const sql =
      `SELECT ${messageColumns(this.schema)}, IFNULL(cmj.chat_id, 0) AS chat_id FROM message m ` +
      "LEFT JOIN chat_message_join cmj ON cmj.message_id = m.ROWID LEFT JOIN handle h ON h.ROWID = m.handle_id " +
      `WHERE ${where} ORDER BY m.ROWID ASC LIMIT ?`;
    const rows = this.database.prepare(sql).all(...parameters) as Record<string, unknown>[];
    return rows.map((row) => toMessageRow(row));
  }

  /** `text`, falling back to the decoded `attributedBody` when text is NULL or empty. */
  resolvedText(row: Pick<MessageRow, "text" | "attributed_body">): string {
    if (row.text !== null && row.text !== "") return row.text;
    if (!this.schema.attributedBody) return "";
    return decodeAttributedBody(row.attributed_body);
  }

  /** Resolved sender: `handle.id`, else `destination_caller_id`, else "". */
  resolvedSender(row: Pick<MessageRow, "handle" | "destination_caller_id">): string {
    if (row.handle !== null && row.handle !== "") return row.handle;
    if (this.schema.destinationCallerId && row.destination_caller_id) return row.destination_caller_id;
    return "";
  }

  /**
   * The `audio-transcription` of the first attachment's `user_info` plist, for audio messages
   * (docs/imsg-protocol.md#audio-transcription).
   */
  audioTranscription(row: Pick<MessageRow, "rowid" | "is_audio_message">): string | undefined {
    if (!this.schema.isAudioMessage || !this.schema.attachmentUserInfo || row.is_audio_message !== 1) return undefined;
    const attachment = this.database
      .prepare(
        "SELECT a.user_info AS user_info FROM message_attachment_join maj JOIN attachment a ON a.ROWID = maj.attachment_id " +
          "WHERE maj.message_id = ? LIMIT 1",
      )
      .get(row.rowid) as { user_info: Uint8Array | null } | undefined;
    if (!attachment?.user_info) return undefined;
    const transcription = readPropertyListString(attachment.user_info, "audio-transcription");
    return transcription === undefined || transcription === "" ? undefined : transcription;
  }

  attachments(messageId: number): WireAttachment[] {
    const rows = this.database
      .prepare(
        "SELECT a.filename AS filename, a.transfer_name AS transfer_name, a.uti AS uti, a.mime_type AS mime_type, " +
          "a.total_bytes AS total_bytes, a.is_sticker AS is_sticker FROM message_attachment_join maj " +
          "JOIN attachment a ON a.ROWID = maj.attachment_id WHERE maj.message_id = ?",
      )
      .all(messageId) as Record<string, string | number | null>[];
    return rows.map((row) => {
      const filename = (row.filename as string | null) ?? "";
      const originalPath = filename === "" ? "" : expandImsgHome(filename);
      return {
        filename,
        transfer_name: (row.transfer_name as string | null) ?? "",
        uti: (row.uti as string | null) ?? "",
        mime_type: (row.mime_type as string | null) ?? "",
        total_bytes: Number(row.total_bytes ?? 0),
        is_sticker: Number(row.is_sticker ?? 0) !== 0,
        original_path: originalPath,
        missing: !isPresentFile(originalPath),
      };
    });
  }

  /**
   * Current tapback state of a message (docs/imsg-protocol.md#reaction-state): adds minus removes, one entry per
   * sender, type.
   */
  reactions(messageGuid: string): WireReaction[] {
    if (!this.schema.reactionColumns || messageGuid === "") return [];
    const body = this.schema.attributedBody ? "m.attributedBody" : "NULL";
    const rows = this.database
      .prepare(
        `SELECT m.ROWID AS rowid, m.associated_message_type AS type, m.text AS text, ${body} AS attributed_body, ` +
          "m.date / 1000000 AS date_ms, m.is_from_me AS is_from_me, h.id AS handle FROM message m " +
          "LEFT JOIN handle h ON h.ROWID = m.handle_id " +
          "WHERE (m.associated_message_guid = ? OR m.associated_message_guid LIKE ?) " +
          "AND m.associated_message_type BETWEEN 2000 AND 3006 ORDER BY m.date ASC",
      )
      .all(messageGuid, `%/${messageGuid}`) as Record<string, unknown>[];
    return reactionState(
      rows,
      (row) => this.resolvedText(row),
      (sender) => this.contacts?.nameFor(sender),
    );
  }

  #parent(guid: string): { text: string; sender: string } | undefined {
    const raw = this.database
      .prepare(
        `SELECT m.text AS text, ${this.schema.attributedBody ? "m.attributedBody" : "NULL"} AS attributed_body, ` +
          `h.id AS handle, ${this.schema.destinationCallerId ? "m.destination_caller_id" : "NULL"} AS destination_caller_id ` +
          "FROM message m LEFT JOIN handle h ON h.ROWID = m.handle_id WHERE m.guid = ? LIMIT 1",
      )
      .get(guid) as Record<string, unknown> | undefined;
    if (!raw) return undefined;
    return {
      text: this.resolvedText({
        text: (raw.text as string | null) ?? null,
        attributed_body: (raw.attributed_body as Uint8Array | null) ?? null,
      }),
      sender: this.resolvedSender({
        handle: (raw.handle as string | null) ?? null,
        destination_caller_id: (raw.destination_caller_id as string | null) ?? null,
      }),
    };
  }

  /** The Message object (docs/imsg-protocol.md#message) for one row. */
  buildMessage(row: MessageRow, options: MessageBuildOptions): WireMessage {
    const text = this.audioTranscription(row) ?? this.resolvedText(row);
    const guid = this.schema.reactionColumns ? (row.guid ?? "") : "";
    const associatedType = row.associated_message_type;
    const isReactionEvent = this.schema.reactionColumns && isTapbackType(associatedType);
    const sender = this.resolvedSender(row);
    const senderName = row.is_from_me !== 0 ? undefined : this.contacts?.nameFor(sender);
    const message: WireMessage = {
      id: row.rowid,
      chat_id: row.chat_id,
      guid,
      sender,
      ...(senderName === undefined ? {} : { sender_name: senderName }),
      is_from_me: row.is_from_me !== 0,
      text,
      created_at: isoFromAppleMilliseconds(row.date_ms),
      attachments: options.includeAttachments ? this.attachments(row.rowid) : [],
      reactions: options.includeReactions ? this.reactions(guid) : [],
    } as WireMessage;
    let replyToGuid: string | undefined;
    if (this.schema.reactionColumns && row.associated_message_guid && !isReactionEvent) {
      replyToGuid = normalizeAssociatedGuid(row.associated_message_guid);
      message.reply_to_guid = replyToGuid;
    }
    if (!isReactionEvent) {
      const threadOriginator = this.schema.threadOriginatorGuid ? row.thread_originator_guid : null;
      if (threadOriginator) message.thread_originator_guid = threadOriginator;
      for (const candidate of [threadOriginator, replyToGuid]) {
        if (!candidate) continue;
        const parent = this.#parent(candidate);
        if (!parent) continue;
        message.reply_to_text = parent.text;
        message.reply_to_sender = parent.sender;
        break;
      }
    }
    if (this.schema.destinationCallerId && row.destination_caller_id) {
      message.destination_caller_id = row.destination_caller_id;
    }
    if (isReactionEvent && associatedType !== null) {
      const tapback = resolveTapback(associatedType, text);
      message.is_reaction = true;
      if (tapback.type !== undefined) message.reaction_type = tapback.type;
      if (tapback.emoji !== undefined) message.reaction_emoji = tapback.emoji;
      message.is_reaction_add = tapback.isAdd;
      message.reacted_to_guid = normalizeAssociatedGuid(row.associated_message_guid ?? "");
    }
    const chat = row.chat_id === 0 ? emptyChat : this.chatInfo(row.chat_id);
    message.chat_identifier = chat.identifier;
    message.chat_guid = chat.guid;
    message.chat_name = chat.name;
    message.participants = chat.participants;
    message.is_group = chat.isGroup;
    addMessageFields(message, row, this.payload, this.schema);
    return message;
  }
}
