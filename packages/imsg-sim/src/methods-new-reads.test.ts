// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, execSql, type TempChatDb } from "./test-support/temp-chat-db.ts";

type Page = { messages: { id: number; chat_id: number; text: string }[]; next_rowid: number; has_more: boolean };

async function errorOf(sim: SimProcess, method: string, params: unknown): Promise<[number, unknown]> {
  const response = await sim.request(method, params);
  if (!response.error) throw new Error(`${method} unexpectedly succeeded: ${JSON.stringify(response.result)}`);
  return [response.error.code, response.error.data];
}

/** 620 inbound rows (ROWID 8…627) in the DM, after the example rows. */
const bulkRowsSql = `
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 620)
INSERT INTO message (guid, text, handle_id, service, date, is_from_me)
SELECT 'BULK-' || i, 'bulk ' || i, 1, 'iMessage', 799400000000000000 + i * 1000000000, 0 FROM n;
INSERT INTO chat_message_join (chat_id, message_id, message_date)
SELECT 1, ROWID, date FROM message WHERE guid LIKE 'BULK-%';`;

describe("read methods of 0.13–0.15 (messages.after, search, stats, scheduled, chats.get)", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10"], env: { HOME: db.home } });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it("messages.after answers ROWID ascending after the cursor, tapback rows only with include_reactions", async () => {
    const page = (await sim.call("messages.after", { since_rowid: 2 })) as Page;
    expect(page.messages.map((message) => message.id)).toEqual([3, 4, 6, 7]);
    expect([page.next_rowid, page.has_more]).toEqual([7, false]);
    const withReactions = (await sim.call("messages.after", { since_rowid: 2, include_reactions: true })) as Page;
    expect(withReactions.messages.map((message) => message.id)).toEqual([3, 4, 5, 6, 7]);
    const group = (await sim.call("messages.after", { since_rowid: 0, chat_id: 2, limit: 2 })) as Page;
    expect(group.messages.map((message) => [message.id, message.chat_id])).toEqual([
      [3, 2],
      [4, 2],
    ]);
    expect([group.next_rowid, group.has_more]).toEqual([4, true]);
  });

  it("messages.after fills reactions and rejects a missing cursor, a bad chat_id and a limit over 500", async () => {
    const page = (await sim.call("messages.after", { since_rowid: 2, limit: 1 })) as {
      messages: { reactions: { type: string }[] }[];
    };
    expect(page.messages[0]?.reactions.map((reaction) => reaction.type)).toEqual(["love"]);
    expect(await errorOf(sim, "messages.after", {})).toEqual([-32602, "since_rowid must be a non-negative integer"]);
    expect(await errorOf(sim, "messages.after", { since_rowid: -1 })).toEqual([
      -32602,
      "since_rowid must be a non-negative integer",
    ]);
    expect(await errorOf(sim, "messages.after", { since_rowid: 0, chat_id: 0 })).toEqual([
      -32602,
      "chat_id must be a positive integer",
    ]);
    for (const limit of [0, 501]) {
      expect(await errorOf(sim, "messages.after", { since_rowid: 0, limit })).toEqual([
        -32602,
        "limit must be an integer between 1 and 500",
      ]);
    }
  });

  it("messages.search matches text and decoded attributed bodies case-insensitively, % literally", async () => {
    const snacks = (await sim.call("messages.search", { query: "  SNACKS " })) as Page;
    expect(snacks.messages.map((message) => message.id)).toEqual([3]);
    expect(snacks.messages[0]).toMatchObject({ attachments: [], reactions: [] });
    const body = (await sim.call("messages.search", { query: "see you" })) as Page;
    expect(body.messages.map((message) => message.id)).toEqual([6]);
    expect(((await sim.call("messages.search", { query: "%" })) as Page).messages).toEqual([]);
    const exact = (await sim.call("messages.search", { query: "i will!", match: "exact" })) as Page;
    expect(exact.messages.map((message) => message.id)).toEqual([7]);
    expect(((await sim.call("messages.search", { query: "will", match: "exact" })) as Page).messages).toEqual([]);
  });

  it("messages.search rejects an empty query, an unknown match and a limit outside 1…100", async () => {
    expect(await errorOf(sim, "messages.search", { query: " " })).toEqual([-32602, "query must be a non-empty string"]);
    expect(await errorOf(sim, "messages.search", { query: "a", match: "prefix" })).toEqual([
      -32602,
      "match must be contains or exact",
    ]);
    expect(await errorOf(sim, "messages.search", { query: "a", limit: 101 })).toEqual([
      -32602,
      "limit must be between 1 and 100",
    ]);
  });

  it("chats.get answers one chat with its routing fields; unknown and bad ids are -32602", async () => {
    expect(await sim.call("chats.get", { chat_id: 2 })).toEqual({
      id: 2,
      identifier: "chat123456789012345678",
      guid: "iMessage;+;chat123456789012345678",
      name: "Weekend Crew",
      display_name: "Weekend Crew",
      service: "iMessage",
      participants: ["+15559876543", "jane@example.com"],
      is_group: true,
      account_id: "E:me@icloud.com",
      account_login: "E:me@icloud.com",
      last_addressed_handle: "me@icloud.com",
    });
    expect(await errorOf(sim, "chats.get", { chat_id: 99 })).toEqual([-32602, "Chat not found: 99"]);
    expect(await errorOf(sim, "chats.get", { chat_id: -3 })).toEqual([-32602, "chat_id must be a positive integer"]);
    expect(await errorOf(sim, "chats.get", {})).toEqual([-32602, "chat_id is required"]);
  });

  it("messages.stats counts sent, received, per chat, sender, service and day; media only when asked", async () => {
    const stats = await sim.call("messages.stats", { time_zone: "UTC" });
    expect(stats).toEqual({
      total_messages: 6,
      sent_messages: 2,
      received_messages: 4,
      time_zone: "UTC",
      chats: [
        { chat_id: 1, messages: 3 },
        { chat_id: 2, messages: 3 },
      ],
      senders: [
        { sender: "+15551234567", messages: 2 },
        { sender: "+15559876543", messages: 1 },
        { sender: "jane@example.com", messages: 1 },
      ],
      services: [{ service: "iMessage", messages: 6 }],
      dates: [{ date: "2026-05-01", messages: 6 }],
    });
    const group = await sim.call("messages.stats", { chat_id: 2, time_zone: "UTC", include_media: true });
    expect(group).toMatchObject({
      total_messages: 3,
      media: { messages_with_attachments: 1, attachments: 1, total_bytes: 1843200 },
    });
    expect(await errorOf(sim, "messages.stats", { chat_id: 42 })).toEqual([-32602, "unknown chat_id 42"]);
    expect(await errorOf(sim, "messages.stats", { time_zone: "Mars/Olympus" })).toEqual([
      -32602,
      "invalid time_zone: Mars/Olympus",
    ]);
  });

  it("messages.scheduled needs the scheduling columns, then lists future outbound scheduled rows", async () => {
    expect(await errorOf(sim, "messages.scheduled", {})).toEqual([
      -32602,
      "messages.scheduled is unavailable because this Messages database has no scheduling columns",
    ]);
    const scheduledDb = exampleChatDb();
    execSql(
      scheduledDb.dbPath,
      "ALTER TABLE message ADD COLUMN schedule_type INTEGER DEFAULT 0; " +
        "ALTER TABLE message ADD COLUMN schedule_state INTEGER DEFAULT 0; " +
        "INSERT INTO message (ROWID, guid, text, handle_id, service, date, is_from_me, schedule_type, schedule_state) " +
        "VALUES (20, 'SCHED-1', 'Happy birthday!', 1, 'iMessage', 1893456000000000000, 1, 2, 1); " +
        "INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (1, 20, 1893456000000000000);",
    );
    const scheduled = new SimProcess({ args: ["rpc", "--db", scheduledDb.dbPath, "--imsg-version", "0.13.0"] });
    try {
      expect(await scheduled.call("messages.scheduled", {})).toEqual({
        messages: [
          {
            id: 20,
            guid: "SCHED-1",
            chat_id: 1,
            chat_identifier: "+15551234567",
            chat_guid: "iMessage;-;+15551234567",
            chat_name: "+15551234567",
            text: "Happy birthday!",
            service: "iMessage",
            scheduled_at: "2061-01-01T00:00:00.000Z",
            schedule_type: 2,
            schedule_state: 1,
          },
        ],
      });
    } finally {
      await scheduled.close();
      scheduledDb.remove();
    }
  });
});

describe("messages.after paging over more than 500 rows", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    execSql(db.dbPath, bulkRowsSql);
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10"], env: { HOME: db.home } });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it("pages of at most 500 follow next_rowid until has_more is false, each row once", async () => {
    const first = (await sim.call("messages.after", { since_rowid: 0, limit: 500 })) as Page;
    expect(first.messages).toHaveLength(500);
    expect([first.next_rowid, first.has_more]).toEqual([first.messages.at(-1)?.id, true]);
    const second = (await sim.call("messages.after", { since_rowid: first.next_rowid, limit: 500 })) as Page;
    expect([second.messages.length, second.next_rowid, second.has_more]).toEqual([126, 627, false]);
    const ids = [...first.messages, ...second.messages].map((message) => message.id);
    expect(new Set(ids).size).toBe(626);
    expect(ids).toEqual([...ids].sort((left, right) => left - right));
    const empty = (await sim.call("messages.after", { since_rowid: 627 })) as Page;
    expect(empty).toEqual({ messages: [], next_rowid: 627, has_more: false });
  });

  it("the default limit is 100", async () => {
    const page = (await sim.call("messages.after", { since_rowid: 0 })) as Page;
    expect([page.messages.length, page.has_more]).toEqual([100, true]);
  });
});

describe("new read methods per release", () => {
  it("0.14.0 has messages.after and messages.search but not chats.get; 0.9.0 has none of them", async () => {
    const db = exampleChatDb();
    const older = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.14.0"] });
    const legacy = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.9.0"] });
    try {
      expect(((await older.call("messages.after", { since_rowid: 6 })) as Page).messages.map((m) => m.id)).toEqual([7]);
      expect((await older.request("chats.get", { chat_id: 1 })).error).toMatchObject({ code: -32601 });
      for (const method of ["messages.after", "messages.search", "messages.stats", "chats.get"]) {
        expect((await legacy.request(method, { since_rowid: 0, query: "a", chat_id: 1 })).error).toMatchObject({
          code: -32601,
          data: method,
        });
      }
    } finally {
      await older.close();
      await legacy.close();
      db.remove();
    }
  });
});
