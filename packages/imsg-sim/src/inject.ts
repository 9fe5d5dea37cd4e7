import { randomUUID } from "node:crypto";
import { copyFileSync, mkdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { basename, extname, join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { appleNanosecondsFromDate } from "./apple-time.ts";
import { encodeAttributedBody } from "./attributed-body.ts";
import { openChatDbForWriting } from "./chat-db-schema.ts";
import { ImsgSimError } from "./errors.ts";
import { encodeBinaryPropertyList } from "./property-list.ts";
import { tapbackKinds } from "./reactions.ts";

export type ChatService = "iMessage" | "SMS";
export type TapbackKind = (typeof tapbackKinds)[number] | "custom";

export interface InjectAttachment {
  /** A file to copy into the Attachments tree; absent writes the row only (a `missing` attachment). */
  path?: string;
  /** Name used when `path` is absent. */
  transferName?: string;
  mimeType?: string;
  uti?: string;
  isSticker?: boolean;
}

export interface InjectOptions {
  /** The sender's handle (`+15551234567`, `jane@example.com`); for outgoing rows, the other party of a DM. */
  from: string;
  text?: string;
  /** Group chat identifier (`chat123…`) or guid; the chat is created on first use. Absent: a DM with `from`. */
  group?: string;
  /** Display name given to a group created by this call. */
  groupName?: string;
  /** Write into this existing chat (ROWID) instead of finding or creating one from `from`/`group`. */
  chatId?: number;
  /** Further handles joined to a group created by this call. */
  participants?: string[];
  service?: ChatService;
  /** Write the text only as an `attributedBody` blob (text column NULL), as newer macOS does. */
  attributedBodyOnly?: boolean;
  attachments?: InjectAttachment[];
  /** Home directory holding `Library/Messages/Attachments`; the sim must run with the same `HOME`. */
  home?: string;
  /** Make it an audio message whose first attachment's `user_info` carries this transcription. */
  audioTranscription?: string;
  /** A tapback on the message with guid `target`. */
  tapback?: { kind: TapbackKind; target: string; remove?: boolean; emoji?: string };
  /** Inline reply to the message with this guid. */
  replyTo?: string;
  /** Mark the row as a URL preview balloon (`com.apple.messages.URLBalloonProvider`). */
  urlBalloon?: boolean;
  isFromMe?: boolean;
  /** Screen or bubble effect (`expressive_send_style_id`). */
  expressiveSendStyleId?: string;
  destinationCallerId?: string;
  date?: Date;
  guid?: string;
}

export interface InjectedMessage {
  rowid: number;
  guid: string;
  chatId: number;
}

const urlBalloonBundleId = "com.apple.messages.URLBalloonProvider";
const tapbackVerbs: Record<string, string> = {
  love: "Loved",
  like: "Liked",
  dislike: "Disliked",
  laugh: "Laughed at",
  emphasize: "Emphasized",
  question: "Questioned",
};
const tapbackRemovals: Record<string, string> = {
  love: "Removed a heart from",
  like: "Removed a like from",
  dislike: "Removed a dislike from",
  laugh: "Removed a laugh from",
  emphasize: "Removed an exclamation from",
  question: "Removed a question mark from",
};

function upsertHandle(database: DatabaseSync, id: string, service: ChatService): number {
  const existing = database
    .prepare("SELECT ROWID AS rowid FROM handle WHERE id = ? AND service = ?")
    .get(id, service) as { rowid: number } | undefined;
  if (existing) return Number(existing.rowid);
  const country = id.startsWith("+1") ? "us" : null;
  const result = database
    .prepare("INSERT INTO handle (id, country, service, uncanonicalized_id) VALUES (?, ?, ?, ?)")
    .run(id, country, service, id);
  return Number(result.lastInsertRowid);
}

/** Finds a chat by guid or identifier; returns its ROWID or undefined. */
export function findChat(database: DatabaseSync, guidOrIdentifier: string): number | undefined {
  const row = database
    .prepare("SELECT ROWID AS rowid FROM chat WHERE guid = ? OR chat_identifier = ? ORDER BY ROWID LIMIT 1")
    .get(guidOrIdentifier, guidOrIdentifier) as { rowid: number } | undefined;
  return row ? Number(row.rowid) : undefined;
}

interface ChatSpec {
  guid: string;
  identifier: string;
  service: ChatService;
  isGroup: boolean;
  displayName?: string;
  members: string[];
}

/** Returns the chat's ROWID, creating it and its handle joins when missing. */
export function ensureChat(database: DatabaseSync, spec: ChatSpec): number {
  let chatId = findChat(database, spec.guid);
  if (chatId === undefined) {
    const result = database
      .prepare(
        "INSERT INTO chat (guid, style, state, account_id, chat_identifier, service_name, account_login, " +
          "display_name, group_id) VALUES (?, ?, 3, 'E:me@icloud.com', ?, ?, 'E:me@icloud.com', ?, ?)",
      )
      .run(
        spec.guid,
        spec.isGroup ? 43 : 45,
        spec.identifier,
        spec.service,
        spec.displayName ?? null,
        spec.isGroup ? randomUUID().toUpperCase() : null,
      );
    chatId = Number(result.lastInsertRowid);
  }
  for (const member of spec.members) {
    const handleId = upsertHandle(database, member, spec.service);
    database.prepare("INSERT OR IGNORE INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)").run(chatId, handleId);
  }
  return chatId;
}

function chatSpecFor(options: InjectOptions, service: ChatService): ChatSpec {
  if (options.group === undefined) {
    return {
      guid: `${service};-;${options.from}`,
      identifier: options.from,
      service,
      isGroup: false,
      members: [options.from],
    };
  }
  const isGuid = options.group.includes(";");
  const identifier = isGuid ? options.group.slice(options.group.lastIndexOf(";") + 1) : options.group;
  const members = options.isFromMe
    ? [...(options.participants ?? [])]
    : [options.from, ...(options.participants ?? [])];
  return {
    guid: isGuid ? options.group : `${service};+;${identifier}`,
    identifier,
    service,
    isGroup: true,
    members,
    ...(options.groupName === undefined ? {} : { displayName: options.groupName }),
  };
}

function textOf(database: DatabaseSync, guid: string): string {
  const row = database.prepare("SELECT text FROM message WHERE guid = ?").get(guid) as
    | { text: string | null }
    | undefined;
  return row?.text ?? "";
}

function tapbackText(database: DatabaseSync, tapback: NonNullable<InjectOptions["tapback"]>): string {
  const quoted = `“${textOf(database, tapback.target)}”`;
  if (tapback.kind === "custom") {
    if (tapback.remove) return tapback.emoji ? `Removed ${tapback.emoji} from ${quoted}` : "Removed a reaction";
    return `Reacted ${tapback.emoji ?? "🎉"} to ${quoted}`;
  }
  return `${tapback.remove ? tapbackRemovals[tapback.kind] : tapbackVerbs[tapback.kind]} ${quoted}`;
}

function tapbackType(tapback: NonNullable<InjectOptions["tapback"]>): number {
  const index = tapback.kind === "custom" ? 6 : tapbackKinds.indexOf(tapback.kind);
  if (index === -1) {
    throw new ImsgSimError(
      "INJECT_INVALID",
      `inject: tapback kind "${tapback.kind}" is not one of ${[...tapbackKinds, "custom"].join(" | ")}`,
    );
  }
  return (tapback.remove ? 3000 : 2000) + index;
}

const mimeTypes: Record<string, [string, string]> = {
  ".jpg": ["image/jpeg", "public.jpeg"],
  ".jpeg": ["image/jpeg", "public.jpeg"],
  ".png": ["image/png", "public.png"],
  ".heic": ["image/heic", "public.heic"],
  ".gif": ["image/gif", "com.compuserve.gif"],
  ".caf": ["audio/x-caf", "com.apple.coreaudio-format"],
  ".m4a": ["audio/mp4", "com.apple.m4a-audio"],
  ".mp4": ["video/mp4", "public.mpeg-4"],
  ".pdf": ["application/pdf", "com.adobe.pdf"],
  ".txt": ["text/plain", "public.plain-text"],
};

function insertAttachment(
  database: DatabaseSync,
  messageId: number,
  attachment: InjectAttachment,
  home: string,
  created: bigint,
  isOutgoing: boolean,
  userInfo?: Uint8Array,
): void {
  const attachmentGuid = `AT_0_${randomUUID().toUpperCase()}`;
  const name = attachment.path === undefined ? (attachment.transferName ?? "Attachment") : basename(attachment.path);
  const hex = attachmentGuid.slice(-2).toLowerCase();
  const relative = join("Library", "Messages", "Attachments", hex, "00", attachmentGuid, name);
  if (attachment.path !== undefined) {
    mkdirSync(join(home, relative, ".."), { recursive: true });
    copyFileSync(attachment.path, join(home, relative));
  }
  const [mime, uti] = mimeTypes[extname(name).toLowerCase()] ?? ["application/octet-stream", "public.data"];
  const result = database
    .prepare(
      "INSERT INTO attachment (guid, original_guid, created_date, filename, uti, mime_type, transfer_name, " +
        "total_bytes, is_sticker, is_outgoing, transfer_state, user_info) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 5, ?)",
    )
    .run(
      attachmentGuid,
      attachmentGuid,
      created / 1_000_000_000n,
      `~/${relative}`,
      attachment.uti ?? uti,
      attachment.mimeType ?? mime,
      name,
      attachment.path === undefined ? 0 : statSync(attachment.path).size,
      attachment.isSticker ? 1 : 0,
      isOutgoing ? 1 : 0,
      userInfo ?? null,
    );
  database
    .prepare("INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?, ?)")
    .run(messageId, Number(result.lastInsertRowid));
}

/** Inserts one message row with its chat join and attachments inside an open transaction. */
export function insertMessage(database: DatabaseSync, options: InjectOptions): InjectedMessage {
  const service = options.service ?? "iMessage";
  const chatId = options.chatId ?? ensureChat(database, chatSpecFor(options, service));
  const isFromMe = options.isFromMe ?? false;
  const isGroupOutgoing = isFromMe && (options.group !== undefined || options.from === "");
  const handleId = isGroupOutgoing ? 0 : upsertHandle(database, options.from, service);
  const guid = options.guid ?? randomUUID().toUpperCase();
  const date = appleNanosecondsFromDate(options.date ?? new Date());
  const attachments =
    options.audioTranscription !== undefined && (options.attachments ?? []).length === 0
      ? [{ transferName: "Audio Message.caf" }]
      : (options.attachments ?? []);
  let text = options.text ?? (attachments.length > 0 ? "\uFFFC" : "");
  let associatedGuid: string | null = null;
  let associatedType = 0;
  if (options.tapback) {
    associatedType = tapbackType(options.tapback);
    associatedGuid = `p:0/${options.tapback.target}`;
    if (options.text === undefined) text = tapbackText(database, options.tapback);
  }
  const replyTo = options.replyTo ?? null;
  const result = database
    .prepare(
      "INSERT INTO message (guid, text, attributedBody, handle_id, service, account, date, date_delivered, " +
        "is_delivered, is_finished, is_from_me, is_sent, cache_has_attachments, associated_message_guid, " +
        "associated_message_type, balloon_bundle_id, destination_caller_id, reply_to_guid, thread_originator_guid, " +
        "thread_originator_part, expressive_send_style_id, is_audio_message, part_count) " +
        "VALUES (?, ?, ?, ?, ?, 'E:me@icloud.com', ?, ?, 1, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
    )
    .run(
      guid,
      options.attributedBodyOnly ? null : text,
      encodeAttributedBody(text),
      handleId,
      service,
      date,
      isFromMe ? date : 0n,
      isFromMe ? 1 : 0,
      isFromMe ? 1 : 0,
      attachments.length > 0 ? 1 : 0,
      associatedGuid,
      associatedType,
      options.urlBalloon ? urlBalloonBundleId : null,
      options.destinationCallerId ?? (isFromMe ? "me@icloud.com" : null),
      replyTo,
      replyTo,
      replyTo === null ? null : `0:0:${textOf(database, replyTo).length}`,
      options.expressiveSendStyleId ?? null,
      options.audioTranscription === undefined ? 0 : 1,
    );
  const rowid = Number(result.lastInsertRowid);
  database
    .prepare("INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)")
    .run(chatId, rowid, date);
  const home = options.home ?? homedir();
  const userInfo =
    options.audioTranscription === undefined
      ? undefined
      : encodeBinaryPropertyList({ "audio-transcription": options.audioTranscription });
  for (const [index, attachment] of attachments.entries()) {
    insertAttachment(database, rowid, attachment, home, date, isFromMe, index === 0 ? userInfo : undefined);
  }
  return { rowid, guid, chatId };
}

/** Runs `write` in one immediate transaction, so a poll never sees half a message. */
export function inTransaction<T>(database: DatabaseSync, write: () => T): T {
  database.exec("BEGIN IMMEDIATE");
  try {
    const value = write();
    database.exec("COMMIT");
    return value;
  } catch (error) {
    database.exec("ROLLBACK");
    throw error;
  }
}

/**
 * Writes a row as Messages.app would: the message, its `chat_message_join` row, handle/chat creation and
 * attachment rows in one transaction.
 */
export function inject(dbPath: string, options: InjectOptions): InjectedMessage {
  const database = openChatDbForWriting(dbPath);
  try {
    return inTransaction(database, () => insertMessage(database, options));
  } finally {
    database.close();
  }
}

/**
 * Writes several rows in one transaction, in order, as one poll of imsg will see them (e.g. a link send's text and
 * preview rows with another chat's row between them).
 */
export function injectTogether(dbPath: string, rows: readonly InjectOptions[]): InjectedMessage[] {
  const database = openChatDbForWriting(dbPath);
  try {
    return inTransaction(database, () => rows.map((options) => insertMessage(database, options)));
  } finally {
    database.close();
  }
}

export interface SplitUrlOptions extends Omit<InjectOptions, "urlBalloon"> {
  url: string;
  /** Delay between the text row and the balloon row; Apple's split send is about 1000 ms. */
  gapMs?: number;
}

/** Apple's split send: the text row first, then, `gapMs` later, the URL as a separate balloon row. */
export async function injectSplitUrl(dbPath: string, options: SplitUrlOptions): Promise<InjectedMessage[]> {
  const { url, gapMs = 1000, ...rest } = options;
  const written: InjectedMessage[] = [];
  if (rest.text !== undefined && rest.text !== "") written.push(inject(dbPath, rest));
  await new Promise((resolve) => setTimeout(resolve, gapMs));
  written.push(inject(dbPath, { ...rest, text: url, urlBalloon: true, attachments: [] }));
  return written;
}
