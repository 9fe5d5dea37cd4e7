// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBridgeState } from "./bridge-state.ts";
import { supportedRpcMethods } from "./rpc-methods-list.ts";
import { simBinPath } from "./sim-bin-path.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const run = promisify(execFile);

async function sim(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [simBinPath, ...args], { env: { ...process.env, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("imsg-sim command line", () => {
  let db: TempChatDb;

  beforeAll(() => {
    db = exampleChatDb();
  });
  afterAll(() => db.remove());

  it("prints the bare version for --version or -V anywhere, honouring IMSG_VERSION", async () => {
    expect(await sim(["--version"])).toMatchObject({ code: 0, stdout: "0.9.0\n" });
    expect(await sim(["rpc", "--db", db.dbPath, "-V"])).toMatchObject({ code: 0, stdout: "0.9.0\n" });
    expect(await sim(["status", "--version"], { IMSG_VERSION: "0.8.1" })).toMatchObject({ stdout: "0.8.1\n" });
  });

  it("prints the rpc help with tab-separated options", async () => {
    const { code, stdout } = await sim(["rpc", "--help"]);
    expect(code).toBe(0);
    expect(stdout.split("\n").slice(0, 4)).toEqual(["imsg rpc", "Run JSON-RPC over stdin/stdout", "", "Usage:"]);
    expect(stdout).toContain("  --db <value>\tPath to chat.db (defaults to ~/Library/Messages/chat.db)\n");
  });

  it("reports status --json for Linux, a SIP-on Mac, a bridged Mac and a fallen bridge", async () => {
    const linux = JSON.parse((await sim(["status", "--json", "--platform", "linux"])).stdout);
    expect(linux).toMatchObject({
      version: "0.9.0",
      basic_features: true,
      advanced_features: false,
      sip: "unknown",
      bridge_version: 0,
      v2_ready: false,
      selectors: {},
      rpc_methods: [...supportedRpcMethods],
    });
    expect(linux.message).toMatch(/^imsg-bridge-helper\.dylib not found\. Searched:\n- /);
    const sipOn = JSON.parse((await sim(["status", "--json", "--db", db.dbPath])).stdout);
    expect(sipOn).toMatchObject({
      advanced_features: false,
      typing_indicators: false,
      read_receipts: false,
      sip: "enabled",
    });
    expect(sipOn.message).toContain("System Integrity Protection (SIP) is enabled.\nAdvanced IMCore features");
    const up = JSON.parse((await sim(["status", "--json", "--db", db.dbPath, "--bridge", "up"])).stdout);
    expect(up).toMatchObject({
      advanced_features: true,
      typing_indicators: true,
      read_receipts: true,
      sip: "disabled",
      message: "Connected to Messages.app. IMCore features available.",
      bridge_version: 2,
      v2_ready: true,
      selectors: { editMessageItem: true, editMessage: false, retractMessagePart: true, sendMessageReason: true },
    });
    const fallen = JSON.parse(
      (await sim(["status", "--json", "--db", db.dbPath], { IMSG_SIM_BRIDGE: "fallen" })).stdout,
    );
    expect(fallen).toMatchObject({
      advanced_features: false,
      selectors: { editMessageItem: false, editMessage: false, retractMessagePart: false, sendMessageReason: false },
    });
  });

  it("launch refuses with SIP on and injects once SIP is off", async () => {
    const refused = await sim(["launch", "--db", db.dbPath]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("System Integrity Protection (SIP) is enabled.");
    writeBridgeState(db.dbPath, { sip: "disabled" });
    expect((await sim(["launch", "--db", db.dbPath])).code).toBe(0);
    const status = JSON.parse((await sim(["status", "--json", "--db", db.dbPath])).stdout);
    expect(status.advanced_features).toBe(true);
    const linux = await sim(["launch", "--platform", "linux", "--db", db.dbPath]);
    expect(linux).toMatchObject({
      code: 1,
      stderr: "Failed to launch Messages.app: Messages.app is only available on macOS.\n",
    });
    writeBridgeState(db.dbPath, { sip: "enabled", launched: false });
  });

  it("prints chats and history as NDJSON", async () => {
    const chats = (await sim(["chats", "--db", db.dbPath, "--json"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(chats.map((chat) => chat.id)).toEqual([2, 1]);
    expect(chats[1]).toMatchObject({
      display_name: "",
      account_id: "E:me@icloud.com",
      account_login: "E:me@icloud.com",
      last_addressed_handle: "+15550001111",
    });
    const history = (await sim(["history", "--db", db.dbPath, "--chat-id", "1", "--limit", "2", "--json"])).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(history.map((message) => message.id)).toEqual([6, 2]);
  });

  it("sends from the command line and reports validation failures on stderr", async () => {
    const sent = await sim(["send", "--db", db.dbPath, "--chat-id", "1", "--text", "cli hello", "--json"]);
    expect(JSON.parse(sent.stdout)).toMatchObject({ ok: true, transport: "applescript", id: expect.any(Number) });
    expect(await sim(["send", "--db", db.dbPath, "--text", "x"])).toMatchObject({
      code: 1,
      stderr: "to is required for direct sends\n",
    });
  });

  it("injects rows from the command line, including a tapback on a guid and an attributedBody-only row", async () => {
    const first = await sim(["inject", "--db", db.dbPath, "--from", "+15551234567", "--text", "from cli"]);
    const row = JSON.parse(first.stdout);
    expect(row).toMatchObject({ chat_id: 1, rowid: expect.any(Number), guid: expect.any(String) });
    const tapback = await sim([
      "inject",
      "--db",
      db.dbPath,
      "--from",
      "+15551234567",
      "--tapback",
      "love",
      "--target",
      row.guid,
    ]);
    expect(tapback.code).toBe(0);
    const hidden = await sim([
      "inject",
      "--db",
      db.dbPath,
      "--from",
      "jane@example.com",
      "--group",
      "chat123456789012345678",
      "--text",
      "blob only",
      "--attributed-body-only",
    ]);
    expect(JSON.parse(hidden.stdout).chat_id).toBe(2);
    const history = (await sim(["history", "--db", db.dbPath, "--chat-id", "1", "--limit", "1", "--json"])).stdout;
    expect(JSON.parse(history)).toMatchObject({
      text: "from cli",
      reactions: [{ type: "love", sender: "+15551234567" }],
    });
    const missing = await sim(["inject", "--db", db.dbPath, "--text", "x"]);
    expect(missing).toMatchObject({
      code: 1,
      stderr: "imsg-sim inject: --from HANDLE is required (e.g. +15551234567)\n",
    });
  });

  it("prints the pre-0.8.2 plain-text banner and exits 1 when the db cannot be opened", async () => {
    const missing = join(db.directory, "nowhere", "chat.db");
    const result = await sim(["rpc", "--db", missing, "--pre-0.8.2"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("⚠️  Permission Error: Cannot access Messages database");
    expect(result.stdout).toContain("Full Disk Access");
  });
});
