// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sendJson, waitFor } from "@imessage-channel/agents/test-support";
import { readRequestLog } from "@imessage-channel/imsg-sim";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

interface ProbedAccount {
  works: boolean;
  version?: string;
  rpc: boolean;
  problems: string[];
}

async function probe(harness: GatewayHarness): Promise<{ code: number | null; account: ProbedAccount; text: string }> {
  const json = await harness.cli(["status", "--probe", "--json", "--config", harness.configPath]);
  const text = await harness.cli(["status", "--probe", "--config", harness.configPath]);
  const [account] = JSON.parse(json.stdout).channels.imessage.accounts as ProbedAccount[];
  return { code: json.code, account: account!, text: text.stdout };
}

async function doctorChecks(harness: GatewayHarness) {
  const { stdout } = await harness.cli(["doctor", "--json", "--config", harness.configPath]);
  const report = JSON.parse(stdout) as {
    accounts: Array<{ checks: Array<{ id: string; status: string; message: string; fix?: string }> }>;
  };
  return (id: string) => report.accounts[0]?.checks.find((check) => check.id === id);
}

/** The account's lines under the status table (`default: …`). */
const accountLines = (text: string) => text.split("\n").filter((line) => line.startsWith("default: "));

/**
 * An imsg without `imsg rpc` (a build before 0.3.0; the harness must play 0.2.0) that prints 0.9.0 for --version
 * (IMSG_VERSION overrides it, docs/imsg-protocol.md#version-flag), so only `imsg rpc --help` tells the truth.
 */
async function imsgWithoutRpc(harness: GatewayHarness): Promise<string> {
  expect(harness.imsgVersion).toBe("0.2.0");
  const path = join(harness.dir, "imsg-without-rpc");
  await writeFile(path, `#!/bin/sh\nIMSG_VERSION=0.9.0 exec ${JSON.stringify(harness.wrapperPath)} "$@"\n`);
  await chmod(path, 0o755);
  return path;
}

describe("status --probe and doctor tell one root cause with its fix", () => {
  it("an imsg without rpc: rpc false, one line naming rpc --help and the upgrade", async () => {
    harness = await GatewayHarness.create({ imsgVersion: "0.2.0" });
    await harness.writeConfig({ channel: { cliPath: await imsgWithoutRpc(harness) } });
    const { code, account, text } = await probe(harness);
    expect(code).toBe(1);
    expect(account).toMatchObject({ works: false, version: "0.9.0", rpc: false });
    expect(account.problems).toEqual([
      "this imsg (0.9.0) has no `imsg rpc` (`imsg rpc --help` printed the general help, not rpc's); install imsg 0.3.0 or newer on the Mac (0.9.0 recommended: brew upgrade steipete/tap/imsg)",
    ]);
    expect(accountLines(text)).toEqual([`default: ${account.problems[0]}`]);

    const check = await doctorChecks(harness);
    expect(check("rpc")).toMatchObject({
      status: "fail",
      message: "this imsg (0.9.0) has no `imsg rpc` (`imsg rpc --help` printed the general help, not rpc's)",
      fix: expect.stringContaining("brew upgrade steipete/tap/imsg"),
    });
  });

  it("a missing imsg: one line, with the fix for this platform", async () => {
    harness = await GatewayHarness.create({ channel: { cliPath: "/nonexistent/imsg" } });
    const { code, account, text } = await probe(harness);
    expect(code).toBe(1);
    expect(account).toMatchObject({ works: false, rpc: false });
    const [line] = account.problems;
    expect(account.problems).toHaveLength(1);
    expect(line).toMatch(/^imsg not found at "\/nonexistent\/imsg": /);
    // imsg runs only on the Messages Mac: off a Mac the fix is the SSH wrapper, never `brew install` here.
    if (process.platform === "darwin") expect(line).toContain("brew install steipete/tap/imsg");
    else {
      expect(line).toContain("SSH wrapper script");
      expect(line).not.toContain("brew install");
    }
    expect(line).not.toContain("no `imsg rpc`");
    expect(accountLines(text)).toEqual([`default: ${line}`]);

    const found = (await doctorChecks(harness))("imsg-found");
    expect(found?.status).toBe("fail");
    expect(found?.fix).toContain(process.platform === "darwin" ? "brew install" : "SSH wrapper script");
  });
});

/** Answers with text and a tapback, so each turn also makes the gateway ask about the bridge again. */
const reactingAgent: AgentHandler = (turn, response) => {
  const [id] = turn.messageIds as Array<{ guid: string }>;
  sendJson(response, 200, {
    text: `ok: ${String(turn.text)}`,
    actions: [{ action: "react", messageId: id?.guid, emoji: "👍" }],
  });
};

describe("gateway log: an imsg build without rpc_methods", () => {
  it("warns once per start that typing and read are gated off, and sends neither", async () => {
    harness = await GatewayHarness.create({
      channel: open,
      agent: reactingAgent,
      simArgs: ["--imsg-version", "0.7.0"],
    });
    const requestLog = await harness.requestLogPath();
    const env = { IMSG_SIM_REQUEST_LOG: requestLog };
    const warning =
      /imsg build predates the per-method capability list \(rpc_methods\); read receipts and typing are off; upgrade imsg/;
    const warnings = (from = 0) => harness!.logs.slice(from).filter((line) => warning.test(line)).length;

    await harness.start([], env);
    await harness.waitForLog(warning, 15_000);
    for (const text of ["one", "two"]) {
      harness.inject({ from: friend, text });
      await harness.waitForSent(
        (rows) => rows.some((row) => row.text === `ok: ${text}`),
        `the reply to ${text}`,
        20_000,
      );
    }
    // Each tapback asks imsg again before it is refused (the bridge is down): new probes, no new warning.
    await waitFor(
      "both tapbacks refused",
      () => harness!.logs.filter((line) => line.includes("action react not done")).length >= 2,
      20_000,
    );
    const probes = readRequestLog(requestLog).filter((record) => record.kind === "cli" && record.args[0] === "status");
    expect(probes.length).toBeGreaterThan(1);
    expect(warnings()).toBe(1);
    const receipts = readRequestLog(requestLog).filter(
      (record) => record.kind === "rpc" && (record.method === "read" || record.method === "typing"),
    );
    expect(receipts).toEqual([]);

    // Once per start: a restarted gateway says it again.
    await harness.stop();
    const mark = harness.logs.length;
    await harness.start([], env);
    await harness.waitForLog(warning, 15_000, mark);
    expect(warnings(mark)).toBe(1);
  });
});
