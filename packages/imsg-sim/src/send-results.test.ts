import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const uppercaseGuid = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

describe("send results per release", { tags: ["slow"] }, () => {
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
