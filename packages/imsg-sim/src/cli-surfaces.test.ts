// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeBridgeState } from "./bridge-state.ts";
import { rpcHelpText } from "./cli-rpc.ts";
import { imsgPersonality, imsgVersions } from "./personality.ts";
import { linuxRpcMethods as linuxCompiledMethods } from "./rpc-descriptors.ts";
import { supportedRpcMethods } from "./rpc-methods-list.ts";
import { simBinPath } from "./sim-bin-path.ts";
import { helperMismatchText, hungHelperText } from "./status-report.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const run = promisify(execFile);

/** Runs the sim CLI with no personality inherited from the test run. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { IMSG_SIM_VERSION: _inherited, IMSG_VERSION: _override, ...environment } = process.env;
  const { stdout } = await run(process.execPath, [simBinPath, ...args], { env: { ...environment, ...env } });
  return stdout;
}

async function statusJson(version: string, db: TempChatDb, ...args: string[]): Promise<Record<string, unknown>> {
  return JSON.parse(await cli(["status", "--json", "--db", db.dbPath, "--imsg-version", version, ...args]));
}

const sipOnMessage =
  "System Integrity Protection (SIP) is enabled.\\nAdvanced IMCore features are intentionally disabled.\\n\\nTo enable advanced features:\\n1. Disable SIP in Recovery mode (`csrutil disable`)\\n2. Run `imsg launch`\\n\\nSource installs also need `make build-dylib` before launching.";

describe("CLI surfaces per imsg release (docs/imsg-protocol.md, CLI)", () => {
  let db: TempChatDb;

  beforeEach(() => {
    db = exampleChatDb();
  });
  afterEach(() => {
    db.remove();
  });

  it("prints each release's bare version for --version", async () => {
    for (const version of imsgVersions) {
      expect(await cli(["rpc", "--version", "--imsg-version", version])).toBe(`${version}\n`);
    }
  });

  it("prints the same rpc --help on 0.15.10 as on 0.9.0 (no change was found upstream)", async () => {
    expect(await cli(["rpc", "--help", "--imsg-version", "0.9.0"])).toBe(rpcHelpText);
    expect(await cli(["rpc", "--help", "--imsg-version", "0.15.10"])).toBe(rpcHelpText);
  });

  it("keeps 0.9.0's status --json byte for byte", async () => {
    const line = await cli(["status", "--json", "--db", db.dbPath, "--imsg-version", "0.9.0"]);
    expect(line).toBe(
      `{"version":"0.9.0","basic_features":true,"advanced_features":false,"typing_indicators":false,"read_receipts":false,"sip":"enabled","message":"${sipOnMessage}","bridge_version":0,"v2_ready":false,"selectors":{},"rpc_methods":${JSON.stringify(supportedRpcMethods)}}\n`,
    );
  });

  it("lists 0.15.10's methods without send.tracked, adds capabilities, and no helper while none answers", async () => {
    const status = await statusJson("0.15.10", db);
    const withoutTracked = imsgPersonality("0.15.10").rpcMethods.filter((method) => method !== "send.tracked");
    expect(status.rpc_methods).toEqual(withoutTracked);
    expect(status.rpc_methods).toHaveLength(43);
    expect(status.capabilities).toEqual({
      engine: { version: "0.15.10", commit: "unknown", built_at: "unknown" },
      features: {},
    });
    expect(status).not.toHaveProperty("helper_version");
    expect(status).not.toHaveProperty("helper_version_mismatch");
  });

  it("reports the helper's version, a mismatch, send.tracked and tapback.emoji from the bridge", async () => {
    const up = await statusJson("0.15.10", db, "--bridge", "up");
    expect(up).toMatchObject({ advanced_features: true, helper_version: "0.15.10" });
    expect(up).not.toHaveProperty("helper_version_mismatch");
    writeBridgeState(db.dbPath, {
      helperVersion: "0.14.0",
      selectors: {
        editMessageItem: true,
        editMessage: false,
        retractMessagePart: true,
        sendMessageReason: true,
        clientMessageGuidReservation: true,
        emojiTapbackSend: true,
      },
    });
    const stale = await statusJson("0.15.10", db, "--bridge", "up");
    expect(stale).toMatchObject({
      helper_version: "0.14.0",
      helper_version_mismatch: helperMismatchText("0.14.0", "0.15.10"),
      capabilities: { features: { "tapback.emoji": 2 } },
    });
    expect(stale.rpc_methods).toEqual(imsgPersonality("0.15.10").rpcMethods);
  });

  it("names a hung helper on 0.15.10 where 0.9.0 said it was not responding", async () => {
    const hung = await statusJson("0.15.10", db, "--bridge", "fallen");
    expect(hung).toMatchObject({ advanced_features: false, message: hungHelperText });
    expect(hung.message).toBe(
      "The IMCore bridge is not responding.\nMessages.app may be running with a stale or hung helper.\nRe-inject it with `imsg launch`.",
    );
    const older = await statusJson("0.9.0", db, "--bridge", "fallen");
    expect(older.message).toContain("the Messages.app helper is not responding. Run `imsg launch` again.");
  });

  it("has no 0.15 keys on 0.14.0, and the 12 Linux methods on a 0.14+ Linux build", async () => {
    const status = await statusJson("0.14.0", db);
    expect(status).not.toHaveProperty("capabilities");
    expect(status.rpc_methods).toEqual(imsgPersonality("0.14.0").rpcMethods);
    expect(status.rpc_methods).toHaveLength(42);
    const linux = await statusJson("0.15.10", db, "--platform", "linux");
    expect(linux.rpc_methods).toEqual(linuxCompiledMethods);
    const oldLinux = await statusJson("0.9.0", db, "--platform", "linux");
    expect(oldLinux.rpc_methods).toEqual([...supportedRpcMethods]);
  });
});
