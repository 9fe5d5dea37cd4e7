// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultSelectors, writeBridgeState } from "./bridge-state.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const snacksGuid = "0B6E1C2A-1111-4C3B-9F00-000000000003";
const groupGuid = "iMessage;+;chat123456789012345678";
const uppercaseGuid = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

function newestRow(dbPath: string): Record<string, unknown> {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  const row = database
    .prepare(
      "SELECT m.text AS text, m.associated_message_type AS type, m.associated_message_guid AS target, " +
        "m.balloon_bundle_id AS bundle, (SELECT COUNT(*) FROM message_attachment_join j WHERE j.message_id = m.ROWID) " +
        "AS attachments FROM message m ORDER BY m.ROWID DESC LIMIT 1",
    )
    .get() as Record<string, unknown>;
  database.close();
  return row;
}

describe("tapback and rich-send answers per release", () => {
  let db: TempChatDb;
  const sims: SimProcess[] = [];

  function sim(version: string): SimProcess {
    const started = new SimProcess({
      args: ["rpc", "--db", db.dbPath, "--imsg-version", version, "--bridge", "up"],
      env: { HOME: db.home },
    });
    sims.push(started);
    return started;
  }

  beforeEach(() => {
    db = exampleChatDb();
  });
  afterEach(async () => {
    for (const started of sims.splice(0)) await started.close();
    db.remove();
  });

  it("0.15.10 sends a non-empty emoji as that emoji, winning over reaction", async () => {
    const result = await sim("0.15.10").call("tapback", {
      chat_guid: groupGuid,
      message_id: snacksGuid,
      emoji: "🔥",
      reaction: "like",
    });
    expect(result).toEqual({ ok: true, emoji: "🔥" });
    expect(newestRow(db.dbPath)).toMatchObject({
      type: 2006,
      target: `p:0/${snacksGuid}`,
      text: "Reacted 🔥 to “Who's bringing snacks?”",
    });
  });

  it("0.15.10 keeps classic kinds: {ok, reaction}", async () => {
    const result = await sim("0.15.10").call("tapback", { chat_guid: groupGuid, message_id: snacksGuid, kind: "like" });
    expect(result).toEqual({ ok: true, reaction: "like" });
    expect(newestRow(db.dbPath)).toMatchObject({ type: 2001 });
  });

  it("0.15.10 reacts to the part a p:N/ target or part_index names", async () => {
    const newest = sim("0.15.10");
    await newest.call("tapback", { chat_guid: groupGuid, message_id: `p:1/${snacksGuid}`, reaction: "love" });
    expect(newestRow(db.dbPath)).toMatchObject({ type: 2000, target: `p:1/${snacksGuid}` });
    await newest.call("tapback", { chat_guid: groupGuid, message_id: snacksGuid, emoji: "🎉", partIndex: 2 });
    expect(newestRow(db.dbPath)).toMatchObject({ type: 2006, target: `p:2/${snacksGuid}` });
  });

  it("0.9.0 treats emoji as an alias of reaction and normalises ❤️ to love", async () => {
    const result = await sim("0.9.0").call("tapback", { chat_guid: groupGuid, message_id: snacksGuid, emoji: "❤️" });
    expect(result).toEqual({ ok: true, reaction: "love" });
    expect(newestRow(db.dbPath)).toMatchObject({ type: 2000 });
  });

  it("a bridge without emojiTapbackSend refuses emoji tapbacks but still sends classic kinds", async () => {
    writeBridgeState(db.dbPath, { selectors: { ...defaultSelectors, emojiTapbackSend: false } });
    const newest = sim("0.15.10");
    const refused = await newest.request("tapback", { chat_guid: groupGuid, message_id: snacksGuid, emoji: "🔥" });
    expect(refused.error).toMatchObject({
      code: -32603,
      data: "running bridge does not support emoji tapbacks; restart Messages with the current imsg bridge",
    });
    expect(newestRow(db.dbPath)).toMatchObject({ type: 0 });
    expect(await newest.call("tapback", { chat_guid: groupGuid, message_id: snacksGuid, reaction: "love" })).toEqual({
      ok: true,
      reaction: "love",
    });
  });

  it("send.rich answers queued on 0.9.0 and the row's guid, message_id and chat_guid on 0.14+", async () => {
    expect(await sim("0.9.0").call("send.rich", { chat_id: 2, text: "rich" })).toEqual({ ok: true, queued: true });
    const newer = await sim("0.15.10").call("send.rich", { chat_id: 2, text: "rich too" });
    expect(newer).toEqual({
      ok: true,
      guid: expect.stringMatching(uppercaseGuid),
      message_id: newer.guid,
      chat_guid: groupGuid,
    });
  });

  it("send.rich file mode (0.14+) answers the observed row with its id", async () => {
    const file = join(db.directory, "photo.png");
    writeFileSync(file, "not really a png");
    const result = await sim("0.15.10").call("send.rich", { chat_id: 2, file });
    expect(result).toEqual({
      ok: true,
      id: 8,
      guid: expect.stringMatching(uppercaseGuid),
      message_id: result.guid,
      chat_guid: groupGuid,
    });
    expect(newestRow(db.dbPath)).toMatchObject({ attachments: 1 });
    const attachment = await sim("0.15.10").call("send.attachment", { chat_id: 1, file });
    expect(attachment).toMatchObject({ ok: true, chat_guid: "iMessage;-;+15551234567", message_id: attachment.guid });
  });

  it("send.rich url mode (0.13+) writes a URL balloon and refuses text beside url", async () => {
    const newest = sim("0.13.0");
    const result = await newest.call("send.rich", { chat_id: 2, url: "https://example.com/menu" });
    expect(result).toMatchObject({ ok: true, chat_guid: groupGuid });
    expect(newestRow(db.dbPath)).toMatchObject({
      text: "https://example.com/menu",
      bundle: "com.apple.messages.URLBalloonProvider",
    });
    const refused = await newest.request("send.rich", { chat_id: 2, url: "https://example.com", text: "see" });
    expect(refused.error).toMatchObject({ code: -32602, data: "text is not supported with url" });
  });

  it("chats.create answers message_guid and service from 0.10.0", async () => {
    const result = await sim("0.10.0").call("chats.create", { addresses: ["+15552223333"], text: "hello" });
    expect(result).toEqual({
      ok: true,
      chat_guid: "iMessage;-;+15552223333",
      message_guid: expect.stringMatching(uppercaseGuid),
      service: "iMessage",
    });
  });
});
