// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { readProtocolErrorLog } from "./protocol-error-log.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

describe("--protocol-error-log", { tags: ["slow"] }, () => {
  let db: TempChatDb;
  let dir: string;
  let sim: SimProcess | undefined;
  afterEach(async () => {
    await sim?.close();
    db.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(version: string, lines: string[]): Promise<string> {
    db = exampleChatDb();
    dir = mkdtempSync(join(tmpdir(), "protocol-errors-"));
    const log = join(dir, "errors.jsonl");
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", version, "--protocol-error-log", log] });
    for (const line of lines) sim.writeLine(line);
    await sim.waitFor(() => sim!.lines.length >= lines.length);
    return log;
  }

  it("records every refused request of 0.15.10 with its method, and nothing for the accepted ones", async () => {
    const log = await run("0.15.10", [
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "chats.list", params: { limit: 5 } }),
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: "chats.list", params: { limit: "5" } }),
      JSON.stringify({ jsonrpc: "2.0", id: 3, method: "messages.history", params: { chat_id: 1, bogus: true } }),
      "{not json",
      JSON.stringify({ jsonrpc: "1.0", id: 4, method: "status" }),
    ]);
    const records = readProtocolErrorLog(log).map(({ code, method }) => ({ code, method }));
    expect(records).toEqual(
      expect.arrayContaining([
        { code: -32602, method: "chats.list" },
        { code: -32602, method: "messages.history" },
        { code: -32700, method: undefined },
        { code: -32600, method: "status" },
      ]),
    );
    expect(records).toHaveLength(4);
  });

  it("stays empty when a 0.9.0 client's requests are all valid", async () => {
    const log = await run("0.9.0", [
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "chats.list", params: { limit: 5 } }),
      JSON.stringify({ jsonrpc: "2.0", id: 2, method: "messages.history", params: { chat_id: 1, limit: 2 } }),
    ]);
    expect(readProtocolErrorLog(log)).toEqual([]);
  });
});
