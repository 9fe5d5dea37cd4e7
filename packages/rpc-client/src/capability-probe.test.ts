// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readRequestLog, simBinPath } from "@imessage-channel/imsg-sim";
import { runOnce } from "@imessage-channel/transport";
import { describe, expect, it } from "vitest";
import { type CommandRunner, probeCapabilities } from "./capability-probe.ts";
import { imsgRpcMethods } from "./method-params.ts";

const oldImsgPath = fileURLToPath(new URL("./test-support/old-imsg.mjs", import.meta.url));

function nodeScriptRunner(script: string, env: Record<string, string>, timeoutMs = 10_000): CommandRunner {
  return (args) =>
    runOnce({
      transport: "local",
      cliPath: process.execPath,
      args: [script, ...args],
      env: { ...process.env, ...env },
      timeoutMs,
    });
}

describe("probeCapabilities", () => {
  it("reads version, the 22 methods and no private API from imsg 0.9.0 with SIP on", async () => {
    const capabilities = await probeCapabilities(nodeScriptRunner(simBinPath, { IMSG_SIM_VERSION: "0.9.0" }));
    expect(capabilities).toMatchObject({
      version: "0.9.0",
      rpcSupported: true,
      rpcMethods: [...imsgRpcMethods],
      privateApi: { available: false, selectors: {} },
      problems: [],
    });
    expect(capabilities.quirks?.startupErrorsAsText).toBe(false);
  });

  it("reports the private API and its selectors when the bridge is up", async () => {
    const capabilities = await probeCapabilities(nodeScriptRunner(simBinPath, { IMSG_SIM_BRIDGE: "up" }));
    expect(capabilities.privateApi.available).toBe(true);
    expect(Object.keys(capabilities.privateApi.selectors)).toEqual(
      expect.arrayContaining(["editMessageItem", "retractMessagePart", "sendMessageReason"]),
    );
  });

  it("infers the methods of a 0.6.0 build from the compatibility table", async () => {
    const capabilities = await probeCapabilities(nodeScriptRunner(oldImsgPath, { OLD_IMSG_VERSION: "0.6.0" }));
    expect(capabilities).toMatchObject({
      version: "0.6.0",
      rpcSupported: true,
      rpcMethods: ["chats.list", "messages.history", "watch.subscribe", "watch.unsubscribe", "send"],
      privateApi: { available: false, selectors: {} },
    });
    expect(capabilities.quirks).toMatchObject({ startupErrorsAsText: true, noSendTransport: true });
  });

  it("knows the typing methods that only 0.5.0 had, without running status", async () => {
    const capabilities = await probeCapabilities(nodeScriptRunner(oldImsgPath, { OLD_IMSG_VERSION: "0.5.0" }));
    expect(capabilities.rpcMethods).toContain("typing.start");
    expect(capabilities.status).toBeUndefined();
    expect(capabilities.quirks?.reactionsNeedAttachments).toBe(true);
  });

  it("says a build before 0.3.0 has no rpc", async () => {
    const capabilities = await probeCapabilities(nodeScriptRunner(oldImsgPath, { OLD_IMSG_VERSION: "0.2.0" }));
    expect(capabilities).toMatchObject({ version: "0.2.0", rpcSupported: false, rpcMethods: [] });
    expect(capabilities.problems).toEqual([expect.stringContaining("this imsg (0.2.0) has no `imsg rpc`")]);
  });

  it("takes status rpc_methods as proof of rpc and asks no rpc --help", async () => {
    const dir = mkdtempSync(join(tmpdir(), "probe-"));
    try {
      const log = join(dir, "requests.jsonl");
      const capabilities = await probeCapabilities(nodeScriptRunner(simBinPath, { IMSG_SIM_REQUEST_LOG: log }));
      expect(capabilities.rpcSupported).toBe(true);
      const asked = readRequestLog(log).map((record) => (record.kind === "cli" ? record.args.join(" ") : ""));
      expect(asked).toEqual(["--version", "status --json"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says a build whose rpc --help prints the general help has no rpc, whatever its version says", async () => {
    // IMSG_VERSION overrides what --version prints (docs/imsg-protocol.md#version-flag): the version is no proof of
    // rpc.
    const capabilities = await probeCapabilities(
      nodeScriptRunner(simBinPath, { IMSG_SIM_VERSION: "0.2.0", IMSG_VERSION: "0.9.0" }),
    );
    expect(capabilities).toMatchObject({ version: "0.9.0", rpcSupported: false, rpcMethods: [] });
    expect(capabilities.problems).toEqual([
      "this imsg (0.9.0) has no `imsg rpc` (`imsg rpc --help` printed the general help, not rpc's); install imsg 0.3.0 or newer on the Mac (0.9.0 recommended: brew upgrade steipete/tap/imsg)",
    ]);
  });

  it("stops at a missing imsg with that one problem and asks nothing else", async () => {
    let calls = 0;
    const missing = Object.assign(new Error('imsg not found at "/nowhere/imsg"'), { code: "CLI_NOT_FOUND" });
    const capabilities = await probeCapabilities(async () => {
      calls++;
      throw missing;
    });
    expect(calls).toBe(1);
    expect(capabilities).toMatchObject({
      rpcSupported: false,
      launchFailure: { reason: "not-found", message: 'imsg not found at "/nowhere/imsg"' },
      problems: ['imsg not found at "/nowhere/imsg"'],
    });
  });

  it("reads exit 127 from a wrapper as imsg missing on the far side", async () => {
    const capabilities = await probeCapabilities(async () => ({
      code: 127,
      stdout: "",
      stderr: "bash: line 1: imsg: command not found\n",
    }));
    expect(capabilities.launchFailure).toEqual({
      reason: "command-not-found",
      message: "imsg --version exited with code 127 (command not found): bash: line 1: imsg: command not found",
    });
    expect(capabilities.problems).toHaveLength(1);
  });

  it("records a command that hangs as a problem and still reports the rest", async () => {
    const capabilities = await probeCapabilities(
      nodeScriptRunner(oldImsgPath, { OLD_IMSG_VERSION: "0.6.0", OLD_IMSG_HANG: "status" }, 500),
    );
    expect(capabilities).toMatchObject({ version: "0.6.0", rpcSupported: true });
    expect(capabilities.problems.join("\n")).toMatch(/status --json failed: .*did not finish/);
  });
});
