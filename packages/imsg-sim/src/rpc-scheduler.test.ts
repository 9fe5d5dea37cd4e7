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

function start(...flags: string[]): SimProcess {
  db = exampleChatDb();
  sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10", ...flags] });
  return sim;
}

/** The ids of the response lines, in the order they were written. */
function responseOrder(process: SimProcess): unknown[] {
  return process.lines.map((line) => JSON.parse(line) as { id?: unknown }).map((line) => line.id);
}

function request(id: number | string, method: string, params: Record<string, unknown> = {}): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, params });
}

function textsSent(prefix: string): string[] {
  const database = new DatabaseSync(db!.dbPath, { readOnly: true });
  try {
    const rows = database
      .prepare("SELECT text FROM message WHERE is_from_me = 1 AND text LIKE ? ORDER BY ROWID")
      .all(`${prefix}%`) as { text: string }[];
    return rows.map((row) => row.text);
  } finally {
    database.close();
  }
}

describe("0.14+ lanes (docs/imsg-protocol.md, Lanes)", () => {
  it("answers the later of two held reads first under --fault-read-order reverse", async () => {
    const process = start("--fault-read-delay-ms", "150", "--fault-read-order", "reverse");
    process.writeLine(request(1, "chats.list", { limit: 1 }));
    process.writeLine(request(2, "messages.history", { chat_id: 1, limit: 1 }));
    await process.waitFor(() => process.lines.length === 2);
    expect(responseOrder(process)).toEqual([2, 1]);
    const [history, chats] = process.lines.map((line) => JSON.parse(line));
    expect(history.result).toHaveProperty("messages");
    expect(chats.result).toHaveProperty("chats");
  });

  it("runs at most four reads at once: a fifth waits for the held four", async () => {
    const process = start("--fault-read-delay-ms", "150", "--fault-read-order", "reverse");
    for (let id = 1; id <= 5; id += 1) process.writeLine(request(id, "chats.list", { limit: 1 }));
    await process.waitFor(() => process.lines.length === 5);
    expect(responseOrder(process)).toEqual([4, 3, 2, 1, 5]);
  });

  it("shuffles held reads the same way for the same random seed", async () => {
    const orders: unknown[][] = [];
    for (let run = 0; run < 2; run += 1) {
      const process = start("--fault-read-order", "random:7");
      for (let id = 1; id <= 4; id += 1) process.writeLine(request(id, "chats.list", { limit: 1 }));
      await process.waitFor(() => process.lines.length === 4);
      orders.push(responseOrder(process));
      process.kill();
      db?.remove();
    }
    expect(orders[0]).toEqual(orders[1]);
    expect(orders[0]).not.toEqual([1, 2, 3, 4]);
    expect([...(orders[0] ?? [])].sort()).toEqual([1, 2, 3, 4]);
  });

  it("answers mutations strictly in submission order while a later read overtakes them", async () => {
    const process = start("--fault-mutation-delay-ms", "150");
    for (let id = 1; id <= 3; id += 1) {
      process.writeLine(request(id, "send", { to: "+15551234567", text: `fifo ${id}` }));
    }
    process.writeLine(request(4, "chats.list", { limit: 1 }));
    await process.waitFor(() => process.lines.length === 4);
    expect(responseOrder(process)).toEqual([4, 1, 2, 3]);
    expect(textsSent("fifo")).toEqual(["fifo 1", "fifo 2", "fifo 3"]);
  });

  it("answers watch.unsubscribe on the control lane past a stuck send and a full read lane", async () => {
    const process = start("--fault-mutation-delay-ms", "500", "--fault-read-delay-ms", "500");
    process.writeLine(request(1, "send", { to: "+15551234567", text: "slow" }));
    for (let id = 2; id <= 5; id += 1) process.writeLine(request(id, "chats.list", { limit: 1 }));
    process.writeLine(request(6, "watch.unsubscribe", { subscription: 9 }));
    await process.waitFor(() => process.lines.length === 6);
    expect(responseOrder(process)[0]).toBe(6);
    expect(JSON.parse(process.lines[0]!)).toEqual({ jsonrpc: "2.0", id: 6, result: { ok: true } });
  });

  it("admits 128 outstanding requests, answers the 129th -32000 at once and drops a notification past the limit", async () => {
    const process = start("--fault-mutation-delay-ms", "30");
    const lines: string[] = [];
    for (let index = 1; index <= 128; index += 1) {
      lines.push(request(index, "send", { to: "+15551234567", text: `admitted ${index}` }));
    }
    lines.push(request("excess", "send", { to: "+15551234567", text: "excess" }));
    lines.push(JSON.stringify({ jsonrpc: "2.0", method: "send", params: { to: "+15551234567", text: "dropped" } }));
    lines.push("{not json");
    process.child.stdin!.write(`${lines.join("\n")}\n`);
    await process.waitFor(() => process.lines.length >= 2);
    expect(JSON.parse(process.lines[0]!)).toEqual({
      jsonrpc: "2.0",
      id: "excess",
      error: { code: -32000, message: "Server busy", data: "outstanding request limit exceeded" },
    });
    expect(JSON.parse(process.lines[1]!)).toMatchObject({ id: null, error: { code: -32700 } });
    await process.waitFor(() => process.lines.length === 130, 20_000);
    expect(responseOrder(process).slice(2)).toEqual(Array.from({ length: 128 }, (_, index) => index + 1));
    expect(textsSent("admitted")).toHaveLength(128);
    expect(textsSent("excess")).toEqual([]);
    expect(textsSent("dropped")).toEqual([]);
  }, 30_000);

  it("refuses --fault-busy-count requests with -32000 once --fault-busy-after were admitted, then serves again", async () => {
    const process = start("--fault-busy-after", "1", "--fault-busy-count", "2");
    const answers = [];
    for (let index = 0; index < 4; index += 1) answers.push(await process.request("chats.list", { limit: 1 }));
    expect(answers.map((answer) => answer.error ?? "ok")).toEqual([
      "ok",
      { code: -32000, message: "Server busy", data: "outstanding request limit exceeded" },
      { code: -32000, message: "Server busy", data: "outstanding request limit exceeded" },
      "ok",
    ]);
  });
});

describe("0.9.0 stays serial", () => {
  it("answers in request order even with the read-order fault", async () => {
    db = exampleChatDb();
    sim = new SimProcess({
      args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.9.0", "--fault-read-order", "reverse"],
    });
    sim.writeLine(request(1, "send", { to: "+15551234567", text: "serial" }));
    sim.writeLine(request(2, "chats.list", { limit: 1 }));
    sim.writeLine(request(3, "messages.history", { chat_id: 1, limit: 1 }));
    await sim.waitFor(() => sim!.lines.length === 3);
    expect(responseOrder(sim)).toEqual([1, 2, 3]);
  });
});
