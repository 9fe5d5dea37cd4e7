import { randomUUID } from "node:crypto";
import { copyFileSync, mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { appleNanosecondsFromDate } from "./apple-time.ts";
import { expandImsgHome, isPresentFile } from "./home-path.ts";
import { type ChatService, ensureChat, type InjectedMessage, insertMessage, inTransaction } from "./inject.ts";
import { RpcError } from "./rpc-error.ts";
import { failedSendErrorCode } from "./send-progress.ts";
import type { SimSession } from "./sim-session.ts";

/**
 * Stages an outgoing file like imsg (docs/imsg-protocol.md#staging-outgoing-files): `~` expanded, copied under
 * `Attachments/imsg/<UUID>/`.
 */
export function stageAttachment(file: string): string {
  const source = resolve(expandImsgHome(file));
  if (!isPresentFile(source)) throw RpcError.internal(`AppleScript failed: Attachment not found at ${source}`);
  const directory = join(homedir(), "Library", "Messages", "Attachments", "imsg", randomUUID().toUpperCase());
  mkdirSync(directory, { recursive: true });
  const staged = join(directory, basename(source));
  copyFileSync(source, staged);
  return staged;
}

export interface OutgoingRow {
  chatId: number;
  text: string;
  file?: string;
  replyTo?: string;
  /** Expanded `expressive_send_style_id`, e.g. `com.apple.messages.effect.CKConfettiEffect`. */
  effectId?: string;
  tapback?: {
    kind: "love" | "like" | "dislike" | "laugh" | "emphasize" | "question" | "custom";
    target: string;
    remove: boolean;
    emoji?: string;
    /** The message part reacted to (`p:N/` of the association); 0 when absent. */
    part?: number;
  };
  /** Send `file` as a sticker (`attachment.is_sticker`). */
  sticker?: boolean;
  /** The message guid to use (send.tracked: the caller's attempt id); absent: a fresh uppercase UUID. */
  guid?: string;
  /** Write the row not yet sent or delivered, as Messages does when it accepts a send (send.tracked). */
  pending?: boolean;
  /** Messages could not deliver it: the row keeps `error` set ("Not Delivered"). */
  failed?: boolean;
  /** Land the row with this service instead of the chat's (an SMS fallback). */
  service?: ChatService;
  /** An extension balloon: its `balloon_bundle_id` and `payload_data` (URL previews, polls). */
  extension?: { balloonBundleId: string; payload?: Uint8Array };
}

/** Writes the outgoing row Messages.app would: `is_from_me=1`, its join and attachment, in one transaction. */
export function writeOutgoing(session: SimSession, row: OutgoingRow): InjectedMessage {
  const info = session.store.chatInfo(row.chatId);
  const database = session.writer();
  const service: ChatService = row.service ?? (info.service === "SMS" ? "SMS" : "iMessage");
  return inTransaction(database, () => {
    const written = insertMessage(database, {
      chatId: row.chatId,
      from: info.isGroup ? "" : info.identifier,
      isFromMe: true,
      service,
      destinationCallerId: session.settings.callerId,
      ...(row.text === "" ? {} : { text: row.text }),
      ...(row.file === undefined
        ? {}
        : { attachments: [{ path: row.file, ...(row.sticker ? { isSticker: true } : {}) }] }),
      ...(row.replyTo === undefined ? {} : { replyTo: row.replyTo }),
      ...(row.effectId === undefined ? {} : { expressiveSendStyleId: row.effectId }),
      ...(row.tapback === undefined ? {} : { tapback: row.tapback }),
      ...(row.guid === undefined ? {} : { guid: row.guid }),
    });
    if (row.pending) {
      database
        .prepare(
          "UPDATE message SET is_sent = 0, is_delivered = 0, is_finished = 0, date_delivered = 0 WHERE ROWID = ?",
        )
        .run(written.rowid);
    }
    if (row.tapback?.part) {
      database
        .prepare("UPDATE message SET associated_message_guid = ? WHERE ROWID = ?")
        .run(`p:${row.tapback.part}/${row.tapback.target}`, written.rowid);
    }
    if (row.failed) {
      database
        .prepare("UPDATE message SET error = ?, is_delivered = 0 WHERE ROWID = ?")
        .run(failedSendErrorCode, written.rowid);
    }
    if (row.extension) {
      database
        .prepare("UPDATE message SET balloon_bundle_id = ?, payload_data = ? WHERE ROWID = ?")
        .run(row.extension.balloonBundleId, row.extension.payload ?? null, written.rowid);
    }
    return written;
  });
}

/** The direct chat a `to` send lands in, created when Messages would start a new conversation. */
export function ensureDirectChat(session: SimSession, to: string, service: ChatService): number {
  const database = session.writer();
  return inTransaction(database, () =>
    ensureChat(database, { guid: `${service};-;${to}`, identifier: to, service, isGroup: false, members: [to] }),
  );
}

/** macOS 26's failed chat send: an `is_from_me` row with empty text, no chat join, handle = the chat target. */
export function writeGhostRow(session: SimSession, chatTarget: string): number {
  const database = session.writer();
  return inTransaction(database, () => {
    const handle = database.prepare("SELECT ROWID AS rowid FROM handle WHERE id = ?").get(chatTarget) as
      | { rowid: number }
      | undefined;
    const handleId =
      handle?.rowid ??
      database.prepare("INSERT INTO handle (id, service) VALUES (?, 'iMessage')").run(chatTarget).lastInsertRowid;
    const result = database
      .prepare(
        "INSERT INTO message (guid, text, handle_id, service, date, is_from_me, is_finished) VALUES (?, '', ?, 'iMessage', ?, 1, 1)",
      )
      .run(randomUUID().toUpperCase(), handleId, appleNanosecondsFromDate(new Date()));
    return Number(result.lastInsertRowid);
  });
}
