// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createChatDb } from "./chat-db-schema.ts";
import { unavailableDetail } from "./database-generations.ts";
import { inject } from "./inject.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

let db: TempChatDb | undefined;
let sim: SimProcess | undefined;

afterEach(() => {
  sim?.kill();
  db?.remove();
  sim = undefined;
  db = undefined;
});

const cannotOpen = unavailableDetail(new Error("unable to open database file"));

function unavailable(path: string): Record<string, unknown> {
  return { code: -32002, message: "Database unavailable", data: { path, detail: cannotOpen, retryable: true } };
}

/** Moves the db and its -wal/-shm to another name, the way a restore or a replacement does. */
function moveDb(from: string, to: string): void {
  for (const suffix of ["", "-wal", "-shm"]) {
    if (existsSync(`${from}${suffix}`)) renameSync(`${from}${suffix}`, `${to}${suffix}`);
  }
}

describe("0.14+ lazy database (docs/imsg-protocol.md, Lazy database)", () => {
  it("starts without the db, answers db requests -32002 until the file appears, and exits 0", async () => {
    db = exampleChatDb();
    const away = join(db.directory, "away.db");
    moveDb(db.dbPath, away);
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10"] });
    expect((await sim.request("chats.list", { limit: 1 })).error).toEqual(unavailable(db.dbPath));
    expect((await sim.request("messages.history", { chat_id: 1 })).error).toEqual(unavailable(db.dbPath));
    expect((await sim.request("watch.subscribe", {})).error).toEqual(unavailable(db.dbPath));
    expect(await sim.call("watch.unsubscribe", { subscription: 1 })).toEqual({ ok: true });
    expect(existsSync(db.dbPath)).toBe(false);
    moveDb(away, db.dbPath);
    const { chats } = (await sim.call("chats.list", { limit: 5 })) as { chats: unknown[] };
    expect(chats).toHaveLength(2);
    expect(await sim.close()).toBe(0);
    expect(sim.lines.every((line) => JSON.parse(line).jsonrpc === "2.0")).toBe(true);
  });

  it("answers -32002 once an opened db is deleted, and serves again when it is restored", async () => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10"] });
    expect((await sim.request("chats.list", { limit: 1 })).result).toHaveProperty("chats");
    const away = join(db.directory, "backup.db");
    moveDb(db.dbPath, away);
    expect((await sim.request("chats.list", { limit: 1 })).error).toEqual(unavailable(db.dbPath));
    moveDb(away, db.dbPath);
    expect((await sim.request("chats.list", { limit: 1 })).result).toHaveProperty("chats");
  });

  it("sends to a direct to or a named chat while the db is down, but not to a chat_id", async () => {
    db = exampleChatDb();
    moveDb(db.dbPath, join(db.directory, "away.db"));
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10"] });
    expect(await sim.call("send", { to: "+15551234567", text: "hi" })).toEqual({ ok: true, transport: "applescript" });
    expect(await sim.call("send", { chat_guid: "iMessage;-;+15551234567", text: "hi" })).toEqual({
      ok: true,
      transport: "applescript",
    });
    expect((await sim.request("send", { chat_id: 1, text: "hi" })).error).toEqual(unavailable(db.dbPath));
  });

  it("turns the Full Disk Access fault into -32002 instead of 0.9.0's startup-failure mode", async () => {
    db = exampleChatDb();
    sim = new SimProcess({
      args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10", "--fault-full-disk-access"],
    });
    expect((await sim.request("chats.list", {})).error).toEqual(unavailable(db.dbPath));
    expect(await sim.close()).toBe(0);
  });

  it("serves new requests from a replaced db while an existing subscription stays on the old file", async () => {
    db = exampleChatDb();
    sim = new SimProcess({
      args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10", "--poll-interval-ms", "100"],
    });
    const old = (await sim.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    expect(((await sim.call("chats.list", { limit: 5 })) as { chats: unknown[] }).chats).toHaveLength(2);

    const oldPath = join(db.directory, "old.db");
    moveDb(db.dbPath, oldPath);
    createChatDb(db.dbPath);
    inject(db.dbPath, { from: "+15550009999", text: "first in the new file" });

    const { chats } = (await sim.call("chats.list", { limit: 5 })) as { chats: { identifier: string }[] };
    expect(chats.map((chat) => chat.identifier)).toEqual(["+15550009999"]);

    const fresh = (await sim.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    inject(oldPath, { from: "+15551234567", text: "into the old file" });
    inject(db.dbPath, { from: "+15550009999", text: "second in the new file" });
    await sim.waitFor(
      () => sim!.messagesOf(old.subscription).length === 1 && sim!.messagesOf(fresh.subscription).length === 1,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sim.messagesOf(old.subscription).map((message) => message.text)).toEqual(["into the old file"]);
    expect(sim.messagesOf(fresh.subscription).map((message) => message.text)).toEqual(["second in the new file"]);
  });
});
