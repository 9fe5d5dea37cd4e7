// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { DatabaseSync } from "node:sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { inject } from "./inject.ts";
import { deepLineDepth, malformedLine } from "./sim-faults.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

describe("fault switches", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  afterEach(() => {
    sim.kill();
    db.remove();
  });

  it("exits abruptly with 137 after N notifications", async () => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--fault-exit-after-notifications", "3"] });
    sim.writeLine(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "watch.subscribe", params: { since_rowid: -1 } }));
    expect(await sim.exited).toBe(137);
    expect(sim.notifications).toHaveLength(3);
  });

  it("writes a malformed line after the given number of responses", async () => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath], env: { IMSG_SIM_FAULT_MALFORMED_LINE_AFTER: "1" } });
    await sim.call("chats.list");
    await sim.call("chats.list");
    expect(sim.lines.filter((line) => line === malformedLine)).toHaveLength(1);
    expect(sim.lines.indexOf(malformedLine)).toBe(1);
  });

  it("writes one oversized line of the requested size", async () => {
    db = exampleChatDb();
    sim = new SimProcess({
      args: ["rpc", "--db", db.dbPath, "--fault-oversized-line-after", "0", "--fault-oversized-line-bytes", "100000"],
    });
    const [line] = await sim.waitFor(() => (sim.lines.length > 0 ? sim.lines : undefined));
    expect(line!.length).toBeGreaterThanOrEqual(99_900);
    expect(JSON.parse(line!).method).toBe("x-imsg-sim-padding");
    await sim.call("chats.list");
  });

  it("writes one deeply nested line between valid responses", async () => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath], env: { IMSG_SIM_FAULT_DEEP_LINE_AFTER: "1" } });
    await sim.call("chats.list");
    await sim.call("chats.list");
    const deep = sim.lines.filter((line) => line.startsWith("[["));
    expect(deep).toHaveLength(1);
    expect(sim.lines.indexOf(deep[0]!)).toBe(1);
    expect(deep[0]).toBe("[".repeat(deepLineDepth) + "]".repeat(deepLineDepth));
  });

  it("delays responses yet keeps them in request order", async () => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--fault-delay-ms", "30"] });
    const [first, second] = await Promise.all([
      sim.request("chats.list"),
      sim.request("watch.unsubscribe", { subscription: 1 }),
    ]);
    expect([first.id, second.id]).toEqual([1, 2]);
    expect(sim.lines.map((line) => JSON.parse(line).id)).toEqual([1, 2]);
  });

  it("starts in Full Disk Access error mode on request", async () => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath], env: { IMSG_SIM_FAULT_FULL_DISK_ACCESS: "1" } });
    const response = await sim.request("chats.list");
    expect(response.error?.code).toBe(-32603);
    expect(response.error?.data).toContain("Full Disk Access");
    expect(await sim.close()).toBe(1);
  });

  it("goes silent after N notifications while rows keep arriving", async () => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--fault-silent-after", "1"] });
    const { subscription } = (await sim.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    const first = inject(db.dbPath, { from: "+15551234567", text: "heard" });
    await sim.waitFor(() => sim.messagesOf(subscription).length === 1);
    const second = inject(db.dbPath, { from: "+15551234567", text: "never heard" });
    const { messages } = (await sim.call("messages.history", { chat_id: 1, limit: 2 })) as {
      messages: { id: number }[];
    };
    expect(messages.map((message) => message.id)).toEqual([second.rowid, first.rowid]);
    expect(sim.messagesOf(subscription).map((message) => message.id)).toEqual([first.rowid]);
  });
});

describe("send faults", () => {
  it("fails a chat-target send with the ghost-row error and leaves the unjoined empty row behind", async () => {
    const db = exampleChatDb();
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--fault-send", "ghost-row"] });
    const response = await sim.request("send", { chat_guid: "iMessage;+;chat123456789012345678", text: "lost" });
    const rowid = Number(/\((\d+)\)/.exec(String(response.error?.data ?? ""))?.[1]);
    expect(response.error).toEqual({
      code: -32603,
      message: "Internal error",
      data: `AppleScript failed: Messages accepted the chat send but wrote an unjoined empty outgoing row (${rowid}); delivery to the target chat was not confirmed`,
    });
    const database = new DatabaseSync(db.dbPath, { readOnly: true });
    const ghost = database
      .prepare(
        "SELECT m.text AS text, m.is_from_me AS mine, h.id AS handle, (SELECT COUNT(*) FROM chat_message_join j WHERE j.message_id = m.ROWID) AS joins " +
          "FROM message m JOIN handle h ON h.ROWID = m.handle_id WHERE m.ROWID = ?",
      )
      .get(rowid);
    database.close();
    expect({ ...ghost }).toEqual({ text: "", mine: 1, handle: "iMessage;+;chat123456789012345678", joins: 0 });
    await sim.close();
    db.remove();
  });

  it("answers an unverified send without id or guid while the row still lands", async () => {
    const db = exampleChatDb();
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath], env: { IMSG_SIM_FAULT_SEND: "unverified" } });
    expect(await sim.call("send", { chat_id: 1, text: "did it go?" })).toEqual({ ok: true, transport: "applescript" });
    const { messages } = (await sim.call("messages.history", { chat_id: 1, limit: 1 })) as {
      messages: Record<string, unknown>[];
    };
    expect(messages[0]).toMatchObject({ text: "did it go?", is_from_me: true });
    await sim.close();
    db.remove();
  });
});

describe("notification race", () => {
  it("writes a new subscription's notifications before its response when asked", async () => {
    const db = exampleChatDb();
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--fault-notify-before-response"] });
    const response = await sim.request("watch.subscribe", { since_rowid: 5 });
    expect(sim.lines.map((line) => JSON.parse(line).method ?? `response ${JSON.parse(line).id}`)).toEqual([
      "message",
      "message",
      "response 1",
    ]);
    expect(response.result).toEqual({ subscription: 1 });
    await sim.close();
    db.remove();
  });
});

describe("request faults", () => {
  it("exits abruptly after N responses, losing the request in flight", async () => {
    const db = exampleChatDb();
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--fault-exit-after-responses", "1"] });
    await sim.call("chats.list");
    expect(await sim.exited).toBe(137);
    await expect(sim.request("chats.list", undefined, 500)).rejects.toThrow(/no response to id 2/);
    db.remove();
  });

  it("stops answering after N responses while notifications keep flowing", async () => {
    const db = exampleChatDb();
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--fault-hang-after-responses", "1"] });
    await sim.call("watch.subscribe", { since_rowid: 5, debounce_ms: 0 });
    await expect(sim.request("chats.list", undefined, 300)).rejects.toThrow(/no response to id 2/);
    await sim.waitFor(() => sim.messagesOf(1).length === 2);
    expect(await sim.close()).toBe(0);
    db.remove();
  });
});
