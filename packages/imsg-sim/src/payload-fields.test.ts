// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "./inject.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, execSql, type TempChatDb } from "./test-support/temp-chat-db.ts";

type Row = Record<string, unknown>;

async function chatsAndHistory(db: TempChatDb, version: string): Promise<{ chats: Row[]; dm: Row[]; group: Row[] }> {
  const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", version], env: { HOME: db.home } });
  try {
    const chats = ((await sim.call("chats.list", {})) as { chats: Row[] }).chats;
    const dm = ((await sim.call("messages.history", { chat_id: 1 })) as { messages: Row[] }).messages;
    const group = ((await sim.call("messages.history", { chat_id: 2 })) as { messages: Row[] }).messages;
    return { chats, dm, group };
  } finally {
    await sim.close();
  }
}

describe("message and chat fields added after 0.9.0", () => {
  let db: TempChatDb;

  beforeAll(() => {
    db = exampleChatDb();
    // Message 1 was read at 2026-05-01T12:01:00Z; a URL balloon row sits in the group.
    execSql(db.dbPath, "UPDATE message SET is_read = 1, date_read = 799329660000000000 WHERE ROWID = 1");
    execSql(
      db.dbPath,
      "UPDATE message SET balloon_bundle_id = 'com.apple.messages.URLBalloonProvider' WHERE ROWID = 3",
    );
  });
  afterAll(() => db.remove());

  it("0.15.10 chats carry display_name, account routing and unread_count", async () => {
    const { chats } = await chatsAndHistory(db, "0.15.10");
    expect(chats.find((chat) => chat.id === 1)).toMatchObject({
      display_name: "",
      account_id: "E:me@icloud.com",
      account_login: "E:me@icloud.com",
      last_addressed_handle: "+15550001111",
      unread_count: 1,
    });
    expect(chats.find((chat) => chat.id === 2)).toMatchObject({ display_name: "Weekend Crew", unread_count: 2 });
  });

  it("0.15.10 inbound messages carry is_read, and date_read once read; outbound ones neither", async () => {
    const { dm } = await chatsAndHistory(db, "0.15.10");
    const byId = new Map(dm.map((message) => [message.id, message]));
    expect(byId.get(1)).toMatchObject({ is_read: true, date_read: "2026-05-01T12:01:00.000Z" });
    expect(byId.get(6)).toMatchObject({ is_read: false });
    expect(byId.get(6)).not.toHaveProperty("date_read");
    expect(byId.get(2)).not.toHaveProperty("is_read");
  });

  it("0.11.1+ messages carry a non-empty balloon_bundle_id, and only then", async () => {
    const { group } = await chatsAndHistory(db, "0.15.10");
    expect(group.find((message) => message.id === 3)).toMatchObject({
      balloon_bundle_id: "com.apple.messages.URLBalloonProvider",
    });
    expect(group.find((message) => message.id === 7)).not.toHaveProperty("balloon_bundle_id");
  });

  it("0.13.0 has read state but not yet the canonical chat payload", async () => {
    const { chats, dm } = await chatsAndHistory(db, "0.13.0");
    expect(chats[0]).toHaveProperty("unread_count");
    expect(chats[0]).not.toHaveProperty("display_name");
    expect(chats[0]).not.toHaveProperty("account_id");
    expect(dm.find((message) => message.id === 1)).toMatchObject({ is_read: true });
  });

  it("0.9.0 payloads have none of the later fields", async () => {
    const { chats, dm, group } = await chatsAndHistory(db, "0.9.0");
    const later = ["display_name", "account_id", "unread_count", "is_read", "date_read", "balloon_bundle_id", "poll"];
    for (const object of [...chats, ...dm, ...group]) {
      for (const key of later) expect(object).not.toHaveProperty(key);
    }
  });

  it("chats.list unread_only keeps chats with an unread inbound message (0.13+)", async () => {
    execSql(db.dbPath, "UPDATE message SET is_read = 1 WHERE ROWID = 6");
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.13.0"] });
    try {
      const unread = (await sim.call("chats.list", { unread_only: true })) as { chats: Row[] };
      expect(unread.chats.map((chat) => chat.id)).toEqual([2]);
    } finally {
      await sim.close();
      execSql(db.dbPath, "UPDATE message SET is_read = 0 WHERE ROWID = 6");
    }
  });

  it("live watch messages carry the release's fields too (0.13.0: is_read on an inbound row)", async () => {
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.13.0"] });
    try {
      const { subscription } = (await sim.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
      const written = inject(db.dbPath, { from: "+15551234567", text: "fresh" });
      const message = await sim.waitFor(() => sim.messagesOf(subscription).find((row) => row.id === written.rowid));
      expect(message).toMatchObject({ text: "fresh", is_read: false });
    } finally {
      await sim.close();
    }
  });
});
