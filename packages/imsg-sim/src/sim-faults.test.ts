import { afterEach, describe, expect, it } from "vitest";
import { inject } from "./inject.ts";
import { malformedLine } from "./sim-faults.ts";
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
