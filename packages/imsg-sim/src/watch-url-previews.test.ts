// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterEach, describe, expect, it } from "vitest";
import { openChatDbForWriting } from "./chat-db-schema.ts";
import { inject, injectSplitUrl, insertMessage, inTransaction } from "./inject.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const url = "https://example.com/article";
const balloonId = "com.apple.messages.URLBalloonProvider";

describe("URL previews and chat-less rows in watch, per release", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  afterEach(async () => {
    sim.kill();
    db.remove();
  });

  async function watch(version: string, params: Record<string, unknown> = {}): Promise<number> {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", version] });
    const result = await sim.call("watch.subscribe", { debounce_ms: 0, ...params });
    return result.subscription as number;
  }

  async function messagesAfter(subscription: number, count: number, quietMs = 300) {
    await sim.waitFor(() => sim.messagesOf(subscription).length >= count, 10_000);
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    return sim.messagesOf(subscription);
  }

  it("folds a split send into one message with url_preview on 0.15.10, keeping the text row's id and guid", async () => {
    const subscription = await watch("0.15.10");
    const [text, preview] = await injectSplitUrl(db.dbPath, {
      from: "+15551234567",
      text: `read this ${url}`,
      url,
      gapMs: 1000,
    });
    const messages = await messagesAfter(subscription, 1, 2500);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({
      id: text!.rowid,
      guid: text!.guid,
      text: `read this ${url}`,
      cursor: preview!.rowid,
      url_preview: { id: preview!.rowid, guid: preview!.guid, balloon_bundle_id: balloonId },
    });
    expect((messages[0]!.url_preview as { created_at: string }).created_at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(messages[0]).not.toHaveProperty("balloon_bundle_id");
  });

  it.each(["0.11.0", "0.9.0"])("emits the text row and the balloon row as two messages on %s", async (version) => {
    const subscription = await watch(version);
    const [text, preview] = await injectSplitUrl(db.dbPath, {
      from: "+15551234567",
      text: `read this ${url}`,
      url,
      gapMs: 1000,
    });
    const messages = await messagesAfter(subscription, 2);
    expect(messages.map((message) => message.id)).toEqual([text!.rowid, preview!.rowid]);
    expect(messages[1]).toMatchObject({ text: url });
    for (const message of messages) {
      expect(message).not.toHaveProperty("url_preview");
      expect(message).not.toHaveProperty("cursor");
      expect(message).not.toHaveProperty("balloon_bundle_id");
    }
  });

  it("holds a live text row for its preview, then emits it alone after about 2 s; a later preview comes on its own", async () => {
    const subscription = await watch("0.15.10");
    const started = Date.now();
    const text = inject(db.dbPath, { from: "+15551234567", text: `no preview yet ${url}` });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(sim.messagesOf(subscription)).toEqual([]);
    await sim.waitFor(() => sim.messagesOf(subscription).length === 1, 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(sim.messagesOf(subscription)[0]).toMatchObject({ id: text.rowid, cursor: text.rowid });
    expect(sim.messagesOf(subscription)[0]).not.toHaveProperty("url_preview");

    const late = inject(db.dbPath, { from: "+15551234567", text: url, urlBalloon: true });
    const messages = await messagesAfter(subscription, 2);
    expect(messages).toHaveLength(2);
    expect(messages[1]).toMatchObject({ id: late.rowid, text: url, balloon_bundle_id: balloonId, cursor: late.rowid });
  });

  it("does not hold backlog rows: a replayed split send arrives folded right away", async () => {
    db = exampleChatDb();
    const [text, preview] = await injectSplitUrl(db.dbPath, { from: "+15551234567", text: url, url, gapMs: 0 });
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10"] });
    await sim.call("watch.unsubscribe", { subscription: 99 });
    const started = Date.now();
    const { subscription } = (await sim.call("watch.subscribe", { since_rowid: text!.rowid - 1 })) as {
      subscription: number;
    };
    await sim.waitFor(() => sim.messagesOf(subscription).length === 1, 1500);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(sim.messagesOf(subscription)[0]).toMatchObject({
      id: text!.rowid,
      cursor: preview!.rowid,
      url_preview: { id: preview!.rowid },
    });
  });

  it("gives each event a cursor that never passes a row still undelivered: an interleaved row repeats the old cursor", async () => {
    const subscription = await watch("0.15.10");
    const database = openChatDbForWriting(db.dbPath);
    const [text, other, preview] = inTransaction(database, () => [
      insertMessage(database, { from: "+15551234567", text: `look ${url}` }),
      insertMessage(database, { from: "jane@example.com", group: "chat123456789012345678", text: "meanwhile" }),
      insertMessage(database, { from: "+15551234567", text: url, urlBalloon: true }),
    ]);
    database.close();
    const messages = await messagesAfter(subscription, 2);
    expect(messages.map((message) => [message.id, message.cursor])).toEqual([
      [other!.rowid, text!.rowid - 1],
      [text!.rowid, preview!.rowid],
    ]);
    expect(messages[1]!.url_preview).toMatchObject({ id: preview!.rowid });
  });

  it.each([
    ["0.15.10", [1, 1]],
    ["0.9.0", [0, 1]],
  ])("shows a URL balloon to each of two subscriptions as %s does: %j", async (version, counts) => {
    const first = await watch(version);
    const second = (await sim.call("watch.subscribe", { debounce_ms: 0 })).subscription as number;
    const balloon = inject(db.dbPath, { from: "+15551234567", text: url, urlBalloon: true });
    await sim.waitFor(() => sim.notifications.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Which of the two 0.9.0 subscriptions polls first and wins the shared memory is not defined.
    expect([first, second].map((id) => sim.messagesOf(id).length).sort()).toEqual(counts);
    expect(sim.notifications.map((note) => (note.params.message as { id: number }).id)).toContain(balloon.rowid);
  });

  function injectChatless(text: string): number {
    const database = openChatDbForWriting(db.dbPath);
    const rowid = inTransaction(database, () => {
      const written = insertMessage(database, { from: "+15551234567", text });
      database.prepare("DELETE FROM chat_message_join WHERE message_id = ?").run(written.rowid);
      return written.rowid;
    });
    database.close();
    return rowid;
  }

  it.each(["0.10.0", "0.15.10"])("drops a live row that never gets a chat join on %s", async (version) => {
    const subscription = await watch(version);
    injectChatless("orphan");
    const after = inject(db.dbPath, { from: "+15551234567", text: "joined" });
    const messages = await messagesAfter(subscription, 1, 500);
    expect(messages.map((message) => [message.id, message.chat_id])).toEqual([[after.rowid, 1]]);
  });

  it("emits a row whose chat join lands during the retries, with its chat", async () => {
    const subscription = await watch("0.10.0", { debounce_ms: 20 });
    const rowid = injectChatless("late join");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sim.messagesOf(subscription)).toEqual([]);
    const database = openChatDbForWriting(db.dbPath);
    database.prepare("INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (1, ?, 0)").run(rowid);
    database.close();
    const messages = await messagesAfter(subscription, 1);
    expect(messages.map((message) => [message.id, message.chat_id, message.chat_identifier])).toEqual([
      [rowid, 1, "+15551234567"],
    ]);
  });

  it("emits a row without a chat join with chat_id 0 on 0.9.0", async () => {
    const subscription = await watch("0.9.0");
    const rowid = injectChatless("orphan");
    const messages = await messagesAfter(subscription, 1);
    expect(messages.map((message) => [message.id, message.chat_id, message.chat_guid])).toEqual([[rowid, 0, ""]]);
  });
});
