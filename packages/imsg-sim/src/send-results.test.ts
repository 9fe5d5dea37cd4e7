// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, execSql, type TempChatDb } from "./test-support/temp-chat-db.ts";

const uppercaseGuid = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

describe("send results per release", () => {
  let db: TempChatDb;
  const sims: SimProcess[] = [];

  function sim(version: string, ...extra: string[]): SimProcess {
    const started = new SimProcess({
      args: ["rpc", "--db", db.dbPath, "--imsg-version", version, ...extra],
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

  it("a bridge send answers only its guid on 0.9.0", async () => {
    const result = await sim("0.9.0", "--bridge", "up").call("send", { chat_id: 2, text: "hi all" });
    expect(Object.keys(result)).toEqual(["ok", "transport", "guid"]);
    expect(result).toMatchObject({ ok: true, transport: "bridge", guid: expect.stringMatching(uppercaseGuid) });
  });

  it("a bridge send adds message_id, chat_guid and service from 0.10.0", async () => {
    for (const version of ["0.10.0", "0.15.10"]) {
      const result = await sim(version, "--bridge", "up").call("send", { chat_id: 2, text: `hi from ${version}` });
      expect(result).toEqual({
        ok: true,
        transport: "bridge",
        guid: expect.stringMatching(uppercaseGuid),
        message_id: result.guid,
        chat_guid: "iMessage;+;chat123456789012345678",
        service: "iMessage",
      });
    }
  });

  it("an AppleScript send answers id and guid on 0.9.0, plus message_id, service and chat_guid from 0.10.0", async () => {
    const legacy = await sim("0.9.0").call("send", { to: "+15551234567", text: "via AppleScript" });
    expect(Object.keys(legacy)).toEqual(["ok", "transport", "id", "guid"]);
    const newer = await sim("0.10.0").call("send", { to: "+15551234567", text: "via AppleScript too" });
    expect(newer).toEqual({
      ok: true,
      transport: "applescript",
      id: (legacy.id as number) + 1,
      guid: expect.stringMatching(uppercaseGuid),
      message_id: newer.guid,
      service: "iMessage",
      chat_guid: "iMessage;-;+15551234567",
    });
  });

  it("an unverified AppleScript send keeps service and chat_guid but no row identity (0.10.0)", async () => {
    const result = await sim("0.10.0", "--fault-send", "unverified").call("send", { chat_id: 1, text: "lost" });
    expect(result).toEqual({
      ok: true,
      transport: "applescript",
      service: "iMessage",
      chat_guid: "iMessage;-;+15551234567",
    });
  });
});

describe("send routing from 0.11 (auto service, SMS fallback) and 0.12 (threaded replies fail closed)", {
  tags: ["slow"],
}, () => {
  let db: TempChatDb;
  const sims: SimProcess[] = [];

  function sim(version: string, ...extra: string[]): SimProcess {
    const started = new SimProcess({
      args: ["rpc", "--db", db.dbPath, "--imsg-version", version, "--sms-only", "+15556667777", ...extra],
      env: { HOME: db.home },
    });
    sims.push(started);
    return started;
  }

  function rowOf(guid: string): Record<string, unknown> | undefined {
    const database = new DatabaseSync(db.dbPath, { readOnly: true });
    const row = database
      .prepare(
        "SELECT m.service AS service, m.error AS error, c.guid AS chat FROM message m " +
          "JOIN chat_message_join j ON j.message_id = m.ROWID JOIN chat c ON c.ROWID = j.chat_id WHERE m.guid = ?",
      )
      .get(guid) as Record<string, unknown> | undefined;
    database.close();
    return row;
  }

  beforeEach(() => {
    db = exampleChatDb();
    // A handle chat.db knows only as SMS (from a group), with no direct chat yet.
    execSql(db.dbPath, "INSERT INTO handle (id, service) VALUES ('+15553334444', 'SMS')");
  });
  afterEach(async () => {
    for (const started of sims.splice(0)) await started.close();
    db.remove();
  });

  it("0.11 sends service auto to a handle chat.db knows only as SMS as SMS", async () => {
    const newer = await sim("0.11.1").call("send", { to: "+15553334444", text: "by sms" });
    expect(newer).toMatchObject({ service: "SMS", chat_guid: "SMS;-;+15553334444" });
    expect(rowOf(newer.guid as string)).toEqual({ service: "SMS", error: 0, chat: "SMS;-;+15553334444" });
  });

  it("0.9.0 starts an iMessage chat for the same send", async () => {
    const legacy = await sim("0.9.0").call("send", { to: "+15553334444", text: "by imessage" });
    expect(rowOf(legacy.guid as string)).toMatchObject({ service: "iMessage", chat: "iMessage;-;+15553334444" });
  });

  it("0.11 falls back to SMS for a text to a recipient iMessage cannot reach", async () => {
    const result = await sim("0.11.1").call("send", { to: "+15556667777", text: "fallback" });
    expect(result).toMatchObject({ service: "SMS", chat_guid: "SMS;-;+15556667777" });
  });

  it("0.14 allow_sms_fallback:false keeps iMessage, and Messages marks the row not delivered", async () => {
    const result = await sim("0.14.0").call("send", {
      to: "+15556667777",
      text: "no fallback",
      allow_sms_fallback: false,
    });
    expect(result).toMatchObject({ service: "iMessage", chat_guid: "iMessage;-;+15556667777" });
    expect(rowOf(result.guid as string)).toMatchObject({ service: "iMessage", error: 22 });
  });

  it("0.12 refuses a reply_to send without the bridge; 0.9.0 sends it by AppleScript", async () => {
    const params = { chat_id: 1, text: "threaded", reply_to: "0B6E1C2A-1111-4C3B-9F00-000000000001" };
    const refused = await sim("0.12.0").request("send", params);
    expect(refused.error).toMatchObject({
      code: -32602,
      data: "reply_to requires bridge transport; AppleScript fallback cannot send threaded replies",
    });
    expect(await sim("0.9.0").call("send", params)).toMatchObject({ ok: true, transport: "applescript" });
  });

  it("0.14 normalises a to before the bridge route; 0.9.0 misses the direct chat and goes by AppleScript", async () => {
    const params = { to: "(555) 123-4567", text: "formatted" };
    expect(await sim("0.14.0", "--bridge", "up").call("send", params)).toMatchObject({
      transport: "bridge",
      chat_guid: "iMessage;-;+15551234567",
    });
    expect(await sim("0.9.0", "--bridge", "up").call("send", params)).toMatchObject({ transport: "applescript" });
  });

  it("0.12 sends reply_to through the bridge as a threaded reply", async () => {
    const parent = "0B6E1C2A-1111-4C3B-9F00-000000000001";
    const result = await sim("0.12.0", "--bridge", "up").call("send", { chat_id: 1, text: "re", replyTo: parent });
    expect(result).toMatchObject({ transport: "bridge" });
    const history = (await sim("0.12.0").call("messages.history", { chat_id: 1, limit: 1 })) as {
      messages: Record<string, unknown>[];
    };
    expect(history.messages[0]).toMatchObject({ guid: result.guid, thread_originator_guid: parent });
  });
});
