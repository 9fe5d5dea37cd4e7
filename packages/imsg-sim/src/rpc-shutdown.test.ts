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

function request(id: number, method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, params });
}

describe("0.14+ shutdown on stdin EOF (docs/imsg-protocol.md, Shutdown)", () => {
  it("drains accepted mutations in order, ends subscriptions silently and exits 0", async () => {
    const process = start("--fault-mutation-delay-ms", "200");
    const { subscription } = (await process.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    process.writeLine(request(10, "send", { to: "+15551234567", text: "drained 1" }));
    process.writeLine(request(11, "send", { to: "+15551234567", text: "drained 2" }));
    expect(await process.close()).toBe(0);
    const answers = process.lines.slice(1).map((line) => JSON.parse(line) as { id: number; result?: unknown });
    expect(answers.map((answer) => answer.id)).toEqual([10, 11]);
    expect(answers.every((answer) => (answer.result as { ok?: boolean }).ok === true)).toBe(true);
    const database = new DatabaseSync(db!.dbPath, { readOnly: true });
    const texts = database.prepare("SELECT text FROM message WHERE text LIKE 'drained%' ORDER BY ROWID").all();
    database.close();
    expect(texts.map((row) => row.text)).toEqual(["drained 1", "drained 2"]);
    expect(process.messagesOf(subscription)).toEqual([]);
    expect(process.notifications).toEqual([]);
  });

  it('refuses a watch.subscribe still queued at EOF with -32000 "server is shutting down"', async () => {
    const process = start("--fault-delay-ms", "300");
    process.writeLine(request(1, "watch.subscribe", {}));
    process.writeLine(request(2, "watch.subscribe", {}));
    expect(await process.close()).toBe(0);
    const [first, second] = process.lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ id: 1, result: { subscription: 1 } });
    expect(second).toEqual({
      jsonrpc: "2.0",
      id: 2,
      error: { code: -32000, message: "Server busy", data: "server is shutting down" },
    });
    expect(process.notifications).toEqual([]);
  });
});
