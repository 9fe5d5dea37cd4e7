// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
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

let exampleRows = 0;

function start(version: string, ...flags: string[]): SimProcess {
  db = exampleChatDb();
  const database = new DatabaseSync(db.dbPath, { readOnly: true });
  exampleRows = Number((database.prepare("SELECT MAX(ROWID) AS n FROM message").get() as { n: number }).n);
  database.close();
  sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", version, ...flags] });
  return sim;
}

/** Texts of the rows the sim wrote (after the example rows). */
function sentTexts(): string[] {
  const database = new DatabaseSync(db!.dbPath, { readOnly: true });
  try {
    const rows = database.prepare("SELECT text FROM message WHERE ROWID > ? ORDER BY ROWID").all(exampleRows) as {
      text: string | null;
    }[];
    return rows.map((row) => row.text ?? "");
  } finally {
    database.close();
  }
}

const direct = { to: "+15551234567" };
const group = { chat_guid: "iMessage;+;chat123456789012345678" };

describe("typed delivery outcomes of 0.14+ (docs/imsg-protocol.md, Typed errors)", () => {
  it("not_started: -32603 Delivery failed before dispatch, retry-safe, nothing sent", async () => {
    const process = start("0.15.10", "--fault-mutation", "not_started:send@1");
    const refused = await process.request("send", { ...direct, text: "never sent" });
    expect(refused).toEqual({
      jsonrpc: "2.0",
      id: 1,
      error: {
        code: -32603,
        message: "Delivery failed before dispatch",
        data: {
          retry_safe: true,
          disposition: "not_started",
          transport: "applescript",
          operation: "send-message",
          detail: "The request was refused before dispatch; nothing was sent.",
        },
      },
    });
    expect((await process.request("send", { ...direct, text: "retried" })).result).toMatchObject({ ok: true });
    expect(sentTexts()).toEqual(["retried"]);
  });

  it("may_have_completed: -32001 Delivery outcome unknown, not retry-safe, the row landed, the lane stays open", async () => {
    const process = start("0.15.10", "--bridge", "up", "--fault-mutation", "may_have_completed:send@1");
    expect((await process.request("send", { ...group, text: "maybe" })).error).toEqual({
      code: -32001,
      message: "Delivery outcome unknown",
      data: {
        retry_safe: false,
        disposition: "may_have_completed",
        transport: "bridge_v2",
        operation: "send-message",
        detail: "The mutation failed without an authoritative post-dispatch result.",
      },
    });
    expect((await process.request("send", { ...group, text: "next" })).result).toMatchObject({ ok: true });
    expect(sentTexts()).toEqual(["maybe", "next"]);
  });

  it("still_in_flight poisons the mutation lane: queued and later mutations -32004 without running, reads and control go on", async () => {
    const process = start("0.15.10", "--bridge", "up", "--fault-mutation", "still_in_flight:send@1");
    const poisoning = process.request("send", { ...group, text: "in flight" });
    const queued = process.request("send", { ...group, text: "queued" });
    const original = {
      retry_safe: false,
      disposition: "still_in_flight",
      transport: "bridge_v2",
      operation: "send-message",
    };
    expect((await poisoning).error).toEqual({
      code: -32001,
      message: "Delivery outcome unknown",
      data: { ...original, detail: "The request was dispatched and is still in flight; its outcome is unknown." },
    });
    const blocked = {
      code: -32004,
      message: "Mutation lane blocked",
      data: {
        ...original,
        detail: "A prior send-message remains in flight. Restart the RPC child before sending another mutation.",
      },
    };
    expect((await queued).error).toEqual(blocked);
    expect((await process.request("send", { ...group, text: "later" })).error).toEqual(blocked);
    expect((await process.request("group.rename", { ...group, name: "Renamed" })).error).toEqual(blocked);
    expect((await process.request("send", { unknown_key: true })).error).toEqual(blocked);
    expect((await process.request("chats.list", { limit: 1 })).result).toHaveProperty("chats");
    const subscribed = await process.call("watch.subscribe", {});
    expect(await process.call("watch.unsubscribe", { subscription: subscribed.subscription })).toEqual({ ok: true });
    expect(sentTexts()).toEqual(["in flight"]);
  });

  it("under 0.9.0 the same switch is a plain -32603 and poisons nothing", async () => {
    const process = start("0.9.0", "--fault-mutation", "still_in_flight:send@1");
    expect((await process.request("send", { ...direct, text: "first" })).error).toEqual({
      code: -32603,
      message: "Internal error",
      data: "The request was dispatched and is still in flight; its outcome is unknown.",
    });
    expect((await process.request("send", { ...direct, text: "second" })).result).toMatchObject({ ok: true });
  });

  it("rejects a malformed --fault-mutation at startup", async () => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--fault-mutation", "lost"] });
    expect(await sim.exited).toBe(1);
    expect(sim.stderr).toContain('--fault-mutation "lost" is not <outcome>[:<method>][@<nth>]');
  });
});

describe("untyped bridge failures on 0.14+ become delivery outcomes", () => {
  it("maps a bridge that is not ready to not_started and a helper that stopped answering to may_have_completed", async () => {
    const process = start("0.15.10");
    const target = { ...group, message_id: "p:0/GUID-NONE", reaction: "love" };
    expect((await process.request("tapback", target)).error).toEqual({
      code: -32603,
      message: "Delivery failed before dispatch",
      data: {
        retry_safe: true,
        disposition: "not_started",
        transport: "bridge_v2",
        operation: "send-reaction",
        detail:
          "System Integrity Protection (SIP) is enabled. Refusing to inject into Messages.app. Disable SIP in Recovery mode before using `imsg launch`.",
      },
    });
    process.kill();
    db?.remove();
    const fallen = start("0.15.10", "--bridge", "fallen");
    expect((await fallen.request("group.rename", { ...group, name: "Renamed" })).error).toEqual({
      code: -32001,
      message: "Delivery outcome unknown",
      data: {
        retry_safe: false,
        disposition: "may_have_completed",
        transport: "bridge_v2",
        operation: "set-display-name",
        detail: "Timed out waiting for response to 'set-display-name'",
      },
    });
  });

  it("killed: the row lands and the process dies by SIGKILL without answering", async () => {
    const process = start("0.15.10", "--bridge", "up", "--fault-mutation", "killed:send@2");
    expect((await process.request("send", { ...group, text: "first" })).result).toMatchObject({ ok: true });
    const unanswered = process.request("send", { ...group, text: "landed, unanswered" }, 3_000);
    await expect(unanswered).rejects.toThrow(/no response to id 2/);
    await process.exited;
    expect(process.child.signalCode).toBe("SIGKILL");
    expect(sentTexts()).toEqual(["first", "landed, unanswered"]);
  });

  it("keeps 0.9.0's -32603 text for the same failure", async () => {
    const process = start("0.9.0", "--bridge", "fallen");
    expect((await process.request("group.rename", { ...group, name: "Renamed" })).error).toEqual({
      code: -32603,
      message: "Internal error",
      data: "Timed out waiting for response to 'set-display-name'",
    });
  });
});
