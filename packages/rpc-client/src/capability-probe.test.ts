import { fileURLToPath } from "node:url";
import { simBinPath } from "@imessage-channel/imsg-sim";
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
    const capabilities = await probeCapabilities(nodeScriptRunner(simBinPath, {}));
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
    expect(capabilities.problems.join("\n")).toContain("no `imsg rpc`");
  });

  it("records a command that hangs as a problem and still reports the rest", async () => {
    const capabilities = await probeCapabilities(
      nodeScriptRunner(oldImsgPath, { OLD_IMSG_VERSION: "0.6.0", OLD_IMSG_HANG: "status" }, 500),
    );
    expect(capabilities).toMatchObject({ version: "0.6.0", rpcSupported: true });
    expect(capabilities.problems.join("\n")).toMatch(/status --json failed: .*did not finish/);
  });
});
