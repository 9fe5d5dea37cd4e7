import { afterEach, describe, expect, it } from "vitest";
import { openChatDbForWriting } from "./chat-db-schema.ts";
import { ChatStore } from "./chat-store.ts";
import { insertMessage, inTransaction } from "./inject.ts";
import { exampleChatDb, execSql, type TempChatDb } from "./test-support/temp-chat-db.ts";
import { UrlBalloonDedupe } from "./url-balloon-dedupe.ts";
import { type WatchFilter, WatchSubscription } from "./watch-subscription.ts";
import type { WireMessage } from "./wire-types.ts";

describe("watch subscription polling (in process, polls driven by hand)", () => {
  let db: TempChatDb;
  let store: ChatStore;

  afterEach(() => {
    store.close();
    db.remove();
  });

  function subscribe(filter: Partial<WatchFilter>, dedupe = new UrlBalloonDedupe()) {
    const emitted: WireMessage[] = [];
    const errors: string[] = [];
    const subscription = new WatchSubscription(
      1,
      { participants: [], includeAttachments: false, includeReactions: false, debounceMs: 0, ...filter },
      {
        store,
        dedupe,
        dbPath: db.dbPath,
        fileWatch: false,
        pollIntervalMs: 60_000,
        emitMessage: (_id, message) => emitted.push(message),
        emitError: (_id, message) => errors.push(message),
      },
    );
    return { subscription, emitted, errors };
  }

  function insertMany(count: number, options: { url?: string; from?: string } = {}): void {
    const database = openChatDbForWriting(db.dbPath);
    inTransaction(database, () => {
      for (let index = 0; index < count; index += 1) {
        insertMessage(database, {
          from: options.from ?? "+15551234567",
          text: options.url ?? `bulk ${index}`,
          ...(options.url ? { urlBalloon: true } : {}),
        });
      }
    });
    database.close();
  }

  it("starts at MAX(ROWID) when since_rowid is absent or 0", () => {
    db = exampleChatDb();
    store = new ChatStore(db.dbPath);
    const absent = subscribe({});
    const zero = subscribe({ sinceRowid: 0 });
    expect([absent.subscription.cursor, zero.subscription.cursor]).toEqual([7, 7]);
    absent.subscription.poll();
    expect(absent.emitted).toEqual([]);
  });

  it("replays from the start with a negative cursor and excludes tapbacks unless asked", () => {
    db = exampleChatDb();
    store = new ChatStore(db.dbPath);
    const { subscription, emitted } = subscribe({ sinceRowid: -1 });
    subscription.poll();
    expect(emitted.map((message) => message.id)).toEqual([1, 2, 3, 4, 6, 7]);
    expect(emitted.every((message) => message.reactions.length === 0)).toBe(true);
  });

  it("is exclusive of a positive cursor and filters by chat_id in SQL", () => {
    db = exampleChatDb();
    store = new ChatStore(db.dbPath);
    const { subscription, emitted } = subscribe({ sinceRowid: 3, chatId: 2 });
    subscription.poll();
    expect(emitted.map((message) => message.id)).toEqual([4, 7]);
  });

  it("drains a backlog one batch of 100 per poll", () => {
    db = exampleChatDb();
    store = new ChatStore(db.dbPath);
    insertMany(143);
    const { subscription, emitted } = subscribe({ sinceRowid: 7 });
    subscription.poll();
    expect(emitted).toHaveLength(100);
    subscription.poll();
    expect(emitted).toHaveLength(143);
    expect(emitted.at(-1)?.id).toBe(150);
  });

  it("advances the cursor past rows dropped by participants and dates", () => {
    db = exampleChatDb();
    store = new ChatStore(db.dbPath);
    const { subscription, emitted } = subscribe({ sinceRowid: -1, participants: ["JANE@example.com"] });
    subscription.poll();
    expect(emitted.map((message) => message.id)).toEqual([3]);
    expect(subscription.cursor).toBe(7);
    const dated = subscribe({ sinceRowid: -1, startMs: Date.UTC(2026, 4, 1, 12, 5) - 978_307_200_000 });
    dated.subscription.poll();
    expect(dated.emitted.map((message) => message.id)).toEqual([3, 4, 6, 7]);
  });

  it("emits a row without a chat join with chat_id 0 and empty chat fields", () => {
    db = exampleChatDb();
    store = new ChatStore(db.dbPath);
    execSql(db.dbPath, "INSERT INTO message (ROWID, guid, text, handle_id, date) VALUES (8, 'LONE', 'orphan', 1, 0)");
    const { subscription, emitted } = subscribe({ sinceRowid: 7 });
    subscription.poll();
    expect(emitted[0]).toMatchObject({
      id: 8,
      chat_id: 0,
      chat_identifier: "",
      chat_guid: "",
      chat_name: "",
      participants: [],
      is_group: false,
      created_at: "2001-01-01T00:00:00.000Z",
    });
  });

  it("emits a URL balloon once, even across two subscriptions sharing the process", () => {
    db = exampleChatDb();
    store = new ChatStore(db.dbPath);
    const dedupe = new UrlBalloonDedupe();
    const first = subscribe({ sinceRowid: 7 }, dedupe);
    const second = subscribe({ sinceRowid: 7 }, dedupe);
    insertMany(2, { url: "https://example.com/x" });
    first.subscription.poll();
    second.subscription.poll();
    expect(first.emitted.map((message) => message.text)).toEqual(["https://example.com/x"]);
    expect(second.emitted).toEqual([]);
  });

  it("reports a failing poll as an error and stops for good", () => {
    db = exampleChatDb();
    store = new ChatStore(db.dbPath);
    const { subscription, emitted, errors } = subscribe({ sinceRowid: 7 });
    execSql(db.dbPath, "DROP TABLE message_attachment_join");
    insertMany(1);
    subscription.poll();
    subscription.poll();
    expect(emitted).toEqual([]);
    expect(errors).toEqual(["no such table: message_attachment_join"]);
  });
});

describe("association types outside the tapback ranges", () => {
  it("hides 2007 sticker rows from history but streams them as plain messages with reply_to_guid", () => {
    const db = exampleChatDb();
    execSql(
      db.dbPath,
      "INSERT INTO message (ROWID, guid, text, handle_id, date, associated_message_guid, associated_message_type) " +
        "VALUES (8, 'STICKER', 'sticker', 2, 799330200000000000, 'p:0/0B6E1C2A-1111-4C3B-9F00-000000000003', 2007);" +
        "INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (2, 8, 799330200000000000);",
    );
    const store = new ChatStore(db.dbPath);
    const history = store.historyRows({ chatId: 2, limit: 10, participants: [], includeAttachments: false });
    expect(history.map((row) => row.rowid)).toEqual([7, 4, 3]);
    expect(store.watchRows(7, undefined, false, 100)).toEqual([]);
    const [row] = store.watchRows(7, undefined, true, 100);
    const message = store.buildMessage(row!, { includeAttachments: false, includeReactions: true });
    expect(message).toMatchObject({ id: 8, reply_to_guid: "0B6E1C2A-1111-4C3B-9F00-000000000003" });
    expect(message).not.toHaveProperty("is_reaction");
    expect(store.reactions("0B6E1C2A-1111-4C3B-9F00-000000000003").map((reaction) => reaction.id)).toEqual([5]);
    store.close();
    db.remove();
  });
});
