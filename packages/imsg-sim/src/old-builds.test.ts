// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readRequestLog } from "./request-log.ts";
import { simBinPath } from "./sim-bin-path.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const run = promisify(execFile);

async function sim(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [simBinPath, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe("older imsg builds (--imsg-version) and the request log", () => {
  let db: TempChatDb;
  let process_: SimProcess | undefined;

  beforeEach(() => {
    db = exampleChatDb();
  });
  afterEach(() => {
    process_?.kill();
    process_ = undefined;
    db.remove();
  });

  it("plays a build without rpc: rpc --help prints imsg's root help (exit 0), rpc itself fails", async () => {
    const help = await sim(["rpc", "--help", "--imsg-version", "0.2.0"]);
    expect(help.code).toBe(0);
    expect(help.stdout.split("\n")[0]).toBe("imsg 0.2.0");
    expect(help.stdout).toContain("Commands:\n  chats\t");
    expect(help.stdout).not.toMatch(/\brpc\b|JSON-RPC/);
    expect(await sim(["rpc", "--imsg-version", "0.2.0"])).toEqual({
      code: 1,
      stdout: "Unknown subcommand 'rpc' for command 'imsg'\n",
    });
    expect((await sim(["status", "--json"], { IMSG_SIM_VERSION: "0.5.0" })).code).toBe(1);
    // IMSG_VERSION still overrides what --version prints, as imsg does.
    expect((await sim(["--version", "--imsg-version", "0.2.0"], { IMSG_VERSION: "0.9.0" })).stdout).toBe("0.9.0\n");
  });

  it("prints the status keys of the build: 0.7.0 has selectors but no rpc_methods or version", async () => {
    const status = JSON.parse((await sim(["status", "--json", "--db", db.dbPath, "--imsg-version", "0.7.0"])).stdout);
    expect(status).toMatchObject({ basic_features: true, advanced_features: false, bridge_version: 0, selectors: {} });
    expect(status).not.toHaveProperty("rpc_methods");
    expect(status).not.toHaveProperty("version");
    const current = JSON.parse((await sim(["status", "--json", "--db", db.dbPath])).stdout);
    expect(current).toMatchObject({ version: "0.9.0", rpc_methods: expect.arrayContaining(["read", "typing"]) });
  });

  it("answers -32601 for methods a 0.7.0 build did not have yet, and records each request", async () => {
    const log = join(db.directory, "requests.jsonl");
    process_ = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.7.0", "--request-log", log] });
    expect((await process_.request("chats.list", { limit: 1 })).result).toBeDefined();
    expect((await process_.request("read", { chat_id: 1 })).error).toMatchObject({ code: -32601, data: "read" });
    expect((await process_.request("tapback", { chat_id: 1 })).error?.code).toBe(-32601);
    await sim(["status", "--json", "--db", db.dbPath, "--request-log", log]);
    const records = readRequestLog(log);
    expect(records.map((record) => (record.kind === "rpc" ? record.method : record.args[0]))).toEqual([
      "chats.list",
      "read",
      "tapback",
      "status",
    ]);
    expect(records[3]).toMatchObject({ kind: "cli", code: 0 });
  });

  it("answers status only after --fault-status-delay-ms, as imsg waits for its bridge probe", async () => {
    const log = join(db.directory, "requests.jsonl");
    const slow = sim(["status", "--json", "--db", db.dbPath, "--fault-status-delay-ms", "2000", "--request-log", log]);
    await sim(["--version", "--request-log", log]);
    expect((await slow).code).toBe(0);
    // The quick command answered first, although the slow one started first.
    expect(readRequestLog(log).map((record) => record.kind === "cli" && record.args[0])).toEqual([
      "--version",
      "status",
    ]);
  });
});
