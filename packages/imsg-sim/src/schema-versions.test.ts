// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, execSql } from "./test-support/temp-chat-db.ts";

type Message = Record<string, unknown>;

describe("schema-version detection (docs/imsg-protocol.md#schema-detection)", () => {
  it("drops thread, sender-fallback, attributedBody and message_date features when those columns are missing", async () => {
    const db = exampleChatDb();
    execSql(
      db.dbPath,
      `DROP INDEX message_idx_thread_originator_guid;
       ALTER TABLE message DROP COLUMN thread_originator_guid;
       ALTER TABLE message DROP COLUMN destination_caller_id;
       ALTER TABLE message DROP COLUMN attributedBody;
       DROP INDEX chat_message_join_idx_message_date_id_chat_id;
       ALTER TABLE chat_message_join DROP COLUMN message_date;`,
    );
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath] });
    const { chats } = (await sim.call("chats.list")) as { chats: Message[] };
    expect(chats.map((chat) => [chat.id, chat.last_message_at])).toEqual([
      [2, "2026-05-01T12:09:00.000Z"],
      [1, "2026-05-01T12:08:00.000Z"],
    ]);
    const group = (await sim.call("messages.history", { chat_id: 2 })) as { messages: Message[] };
    const [reply, outgoing, parent] = group.messages;
    expect(reply).not.toHaveProperty("thread_originator_guid");
    expect(reply).not.toHaveProperty("reply_to_text");
    expect(outgoing).toMatchObject({ id: 4, sender: "" });
    expect(outgoing).not.toHaveProperty("destination_caller_id");
    expect(parent?.reactions).toHaveLength(1);
    const direct = (await sim.call("messages.history", { chat_id: 1 })) as { messages: Message[] };
    expect(direct.messages[0]).toMatchObject({ id: 6, text: "" });
    await sim.close();
    db.remove();
  });

  it("serves imsg's bare-minimum fixture schema with empty guids and no reactions", async () => {
    const directory = mkdtempSync(join(tmpdir(), "imsg-sim-minimal-"));
    const dbPath = join(directory, "chat.db");
    execSql(
      dbPath,
      `PRAGMA journal_mode=WAL;
       CREATE TABLE message (ROWID INTEGER PRIMARY KEY, handle_id INTEGER, text TEXT, date INTEGER, is_from_me INTEGER, service TEXT);
       CREATE TABLE chat (ROWID INTEGER PRIMARY KEY, chat_identifier TEXT, guid TEXT, display_name TEXT, service_name TEXT);
       CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);
       CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER);
       CREATE TABLE chat_handle_join (chat_id INTEGER, handle_id INTEGER);
       CREATE TABLE message_attachment_join (message_id INTEGER, attachment_id INTEGER);
       CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY, filename TEXT, transfer_name TEXT, uti TEXT, mime_type TEXT, total_bytes INTEGER, is_sticker INTEGER);
       INSERT INTO handle VALUES (1, '+15551234567');
       INSERT INTO chat VALUES (1, '+15551234567', 'iMessage;-;+15551234567', '', 'iMessage');
       INSERT INTO chat_handle_join VALUES (1, 1);
       INSERT INTO message VALUES (1, 1, 'old school', 799329600000000000, 0, 'iMessage');
       INSERT INTO message VALUES (2, 1, 'Loved “old school”', 799329660000000000, 0, 'iMessage');
       INSERT INTO chat_message_join VALUES (1, 1), (1, 2);`,
    );
    const sim = new SimProcess({ args: ["rpc", "--db", dbPath] });
    const { chats } = (await sim.call("chats.list")) as { chats: Message[] };
    expect(chats[0]).toMatchObject({ id: 1, name: "", last_message_at: "2026-05-01T12:01:00.000Z" });
    const { messages } = (await sim.call("messages.history", { chat_id: 1 })) as { messages: Message[] };
    expect(messages.map((message) => [message.id, message.guid, message.reactions])).toEqual([
      [2, "", []],
      [1, "", []],
    ]);
    const { subscription } = (await sim.call("watch.subscribe", { since_rowid: -1, include_reactions: true })) as {
      subscription: number;
    };
    const streamed = await sim.waitFor(() => {
      const received = sim.messagesOf(subscription);
      return received.length === 2 ? received : undefined;
    });
    expect(streamed.some((message) => "is_reaction" in message)).toBe(false);
    await sim.close();
    rmSync(directory, { recursive: true, force: true });
  });
});
