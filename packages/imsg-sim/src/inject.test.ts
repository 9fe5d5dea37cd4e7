import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { ChatStore } from "./chat-store.ts";
import { inject, injectSplitUrl } from "./inject.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

describe("inject", () => {
  let db: TempChatDb;

  afterEach(() => db.remove());

  function rows(sql: string, ...parameters: (string | number)[]): Record<string, unknown>[] {
    const database = new DatabaseSync(db.dbPath, { readOnly: true });
    const result = database.prepare(sql).all(...parameters) as Record<string, unknown>[];
    database.close();
    return result;
  }

  it("writes an inbound DM into the existing chat with its join row", () => {
    db = exampleChatDb();
    const written = inject(db.dbPath, { from: "+15551234567", text: "hi there" });
    expect(written.chatId).toBe(1);
    expect(rows("SELECT chat_id, message_id FROM chat_message_join WHERE message_id = ?", written.rowid)).toEqual([
      { chat_id: 1, message_id: written.rowid },
    ]);
    const [message] = rows("SELECT text, is_from_me, handle_id, guid FROM message WHERE ROWID = ?", written.rowid);
    expect(message).toEqual({ text: "hi there", is_from_me: 0, handle_id: 1, guid: written.guid });
  });

  it("creates the handle, the chat and its participant join for a new sender", () => {
    db = exampleChatDb();
    const written = inject(db.dbPath, { from: "+15550009999", text: "new here", service: "SMS" });
    expect(rows("SELECT guid, chat_identifier, service_name, style FROM chat WHERE ROWID = ?", written.chatId)).toEqual(
      [{ guid: "SMS;-;+15550009999", chat_identifier: "+15550009999", service_name: "SMS", style: 45 }],
    );
    expect(
      rows(
        "SELECT h.id AS id FROM chat_handle_join j JOIN handle h ON h.ROWID = j.handle_id WHERE j.chat_id = ?",
        written.chatId,
      ),
    ).toEqual([{ id: "+15550009999" }]);
  });

  it("creates a named group with every participant and writes into it", () => {
    db = exampleChatDb();
    const written = inject(db.dbPath, {
      from: "+15550001234",
      group: "chat999",
      groupName: "Book Club",
      participants: ["ann@example.com"],
      text: "chapter 3?",
    });
    const store = new ChatStore(db.dbPath);
    const [chat] = store.listChats(1);
    store.close();
    expect(chat).toMatchObject({
      id: written.chatId,
      guid: "iMessage;+;chat999",
      name: "Book Club",
      is_group: true,
      participants: ["+15550001234", "ann@example.com"],
    });
  });

  it("writes an attributedBody-only row that decodes back to the text", () => {
    db = exampleChatDb();
    const written = inject(db.dbPath, { from: "+15551234567", text: "only in the blob ✨", attributedBodyOnly: true });
    expect(rows("SELECT text FROM message WHERE ROWID = ?", written.rowid)).toEqual([{ text: null }]);
    const store = new ChatStore(db.dbPath);
    const [row] = store.historyRows({ chatId: 1, limit: 1, participants: [], includeAttachments: false });
    expect(store.buildMessage(row!, { includeAttachments: false, includeReactions: false }).text).toBe(
      "only in the blob ✨",
    );
    store.close();
  });

  it("copies an attachment into the Attachments tree under the given home", () => {
    db = exampleChatDb();
    const source = join(db.directory, "photo.jpg");
    writeFileSync(source, "jpeg bytes");
    const written = inject(db.dbPath, { from: "+15551234567", attachments: [{ path: source }], home: db.home });
    const [attachment] = rows(
      "SELECT a.filename AS filename, a.mime_type AS mime, a.total_bytes AS size FROM attachment a " +
        "JOIN message_attachment_join j ON j.attachment_id = a.ROWID WHERE j.message_id = ?",
      written.rowid,
    );
    const filename = attachment?.filename as string;
    expect(filename).toMatch(/^~\/Library\/Messages\/Attachments\/.+\/photo\.jpg$/);
    expect(readFileSync(join(db.home, filename.slice(2)), "utf8")).toBe("jpeg bytes");
    expect(attachment).toMatchObject({ mime: "image/jpeg", size: 10 });
    expect(rows("SELECT text FROM message WHERE ROWID = ?", written.rowid)).toEqual([{ text: "\uFFFC" }]);
  });

  it("writes a tapback and an inline reply that point at their target guid", () => {
    db = exampleChatDb();
    const target = "0B6E1C2A-1111-4C3B-9F00-000000000001";
    const tapback = inject(db.dbPath, { from: "+15551234567", tapback: { kind: "like", target } });
    const reply = inject(db.dbPath, { from: "+15551234567", text: "answering", replyTo: target });
    expect(
      rows("SELECT text, associated_message_guid, associated_message_type FROM message WHERE ROWID = ?", tapback.rowid),
    ).toEqual([
      {
        text: "Liked “Are we still on for lunch?”",
        associated_message_guid: `p:0/${target}`,
        associated_message_type: 2001,
      },
    ]);
    expect(rows("SELECT thread_originator_guid, reply_to_guid FROM message WHERE ROWID = ?", reply.rowid)).toEqual([
      { thread_originator_guid: target, reply_to_guid: target },
    ]);
  });

  it("splits a URL send into a text row and a later balloon row", async () => {
    db = exampleChatDb();
    const [text, balloon] = await injectSplitUrl(db.dbPath, {
      from: "+15551234567",
      text: "look at this",
      url: "https://example.com/a",
      gapMs: 5,
    });
    expect(
      rows(
        "SELECT ROWID AS rowid, text, balloon_bundle_id FROM message WHERE ROWID IN (?, ?) ORDER BY ROWID",
        text!.rowid,
        balloon!.rowid,
      ),
    ).toEqual([
      { rowid: text!.rowid, text: "look at this", balloon_bundle_id: null },
      {
        rowid: balloon!.rowid,
        text: "https://example.com/a",
        balloon_bundle_id: "com.apple.messages.URLBalloonProvider",
      },
    ]);
  });
});

describe("audio messages", () => {
  it("replaces the text with the transcription from the first attachment's user_info", () => {
    const db = exampleChatDb();
    const written = inject(db.dbPath, { from: "+15551234567", audioTranscription: "Running ten minutes late" });
    const store = new ChatStore(db.dbPath);
    const [row] = store.historyRows({ chatId: 1, limit: 1, participants: [], includeAttachments: true });
    const message = store.buildMessage(row!, { includeAttachments: true, includeReactions: false });
    store.close();
    expect(message).toMatchObject({ id: written.rowid, text: "Running ten minutes late" });
    expect(message.attachments).toMatchObject([{ transfer_name: "Audio Message.caf", missing: true }]);
    db.remove();
  });
});
