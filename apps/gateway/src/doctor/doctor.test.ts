import { chmod, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simBinPath, writeBridgeState } from "@imessage-channel/imsg-sim";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

interface Check {
  id: string;
  status: string;
  message: string;
  fix?: string;
}

let harness: GatewayHarness | undefined;
let sshd: TestSshd | undefined;
afterEach(async () => {
  await harness?.dispose();
  await sshd?.kill();
  harness = undefined;
  sshd = undefined;
});

async function doctor(harness: GatewayHarness, extra: string[] = []) {
  const { code, stdout, stderr } = await harness.cli(["doctor", "--json", "--config", harness.configPath, ...extra]);
  const report = JSON.parse(stdout) as {
    accounts: Array<{ accountId: string; checks: Check[] }>;
    stateDir: Check;
    changed: string[];
  };
  const checks = (accountId = "default") =>
    report.accounts.find((account) => account.accountId === accountId)?.checks ?? [];
  const check = (id: string, accountId?: string) => checks(accountId).find((entry) => entry.id === id);
  return { code, stderr, report, check };
}

describe("imessage-channel doctor", () => {
  it("passes a healthy simulated Mac and names what the private API bridge hides", async () => {
    harness = await GatewayHarness.create();
    harness.inject({ from: "+15555550123", text: "so chats.list has a chat" });
    const { code, check } = await doctor(harness);
    expect(code).toBe(0);
    expect(check("imsg-found")).toMatchObject({ status: "ok", message: "imsg 0.9.0" });
    expect(check("database")?.status).toBe("ok");
    expect(check("private-api")).toMatchObject({ status: "warn", fix: expect.stringContaining("imsg launch") });
    expect(check("private-api")?.message).toContain("reactions");
    writeBridgeState(harness.dbPath, { sip: "disabled", launched: true });
    expect((await doctor(harness)).check("private-api")?.status).toBe("ok");
  });

  it("explains a missing Full Disk Access grant and fails", async () => {
    harness = await GatewayHarness.create({ simArgs: ["--fault-full-disk-access"] });
    const { code, check } = await doctor(harness);
    expect(code).toBe(1);
    expect(check("database")).toMatchObject({ status: "fail", message: expect.stringContaining("Full Disk Access") });
    expect(check("database")?.fix).toMatch(/Privacy & Security → Full Disk Access/);
  });

  it("fails when imsg cannot be found, naming cliPath", async () => {
    harness = await GatewayHarness.create({ channel: { cliPath: "/nonexistent/imsg" } });
    const { code, check } = await doctor(harness);
    expect(code).toBe(1);
    expect(check("imsg-found")).toMatchObject({ status: "fail", fix: expect.stringContaining("cliPath") });
  });

  it("warns about an old imsg by version", async () => {
    harness = await GatewayHarness.create();
    const old = join(harness.dir, "imsg-old");
    await writeFile(
      old,
      `#!/bin/sh\nIMSG_VERSION=0.8.1 exec ${JSON.stringify(process.execPath)} ${JSON.stringify(simBinPath)} "$@"\n`,
    );
    await chmod(old, 0o755);
    await harness.writeConfig({ channel: { cliPath: old } });
    const { check } = await doctor(harness);
    expect(check("imsg-version")).toMatchObject({ status: "warn", message: expect.stringContaining("0.8.2") });
  });

  it("flags two accounts on one database, groups that match no chat, missing mention patterns and SMS trust", async () => {
    harness = await GatewayHarness.create();
    harness.inject({ from: "+15555550123", text: "hello" });
    await harness.writeConfig({
      channel: {
        groups: { "987654": { requireMention: true } },
        allowSmsSenders: true,
        accounts: { first: {}, second: {} },
      },
    });
    const { code, check } = await doctor(harness);
    expect(code).toBe(1);
    expect(check("same-database", "second")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("account first"),
    });
    expect(check("groups-registry", "first")).toMatchObject({
      status: "warn",
      fix: expect.stringContaining("chat_id:N"),
    });
    expect(check("mention-patterns", "first")?.status).toBe("warn");
    expect(check("sms-trust", "first")).toMatchObject({ status: "warn", message: expect.stringContaining("spoofed") });
  });

  it("refuses an unknown SSH host key and prints what to run, never adding it", async () => {
    sshd = await startTestSshd();
    harness = await GatewayHarness.create();
    const knownHosts = join(harness.dir, "known_hosts");
    await writeFile(knownHosts, "");
    await harness.writeConfig({
      channel: {
        transport: "ssh",
        remoteHost: `${sshd.user}@127.0.0.1`,
        remoteCliPath: harness.wrapperPath,
        ssh: { port: sshd.port, identityFile: sshd.clientKeyPath, knownHostsFile: knownHosts },
      },
    });
    const { code, check } = await doctor(harness);
    expect(code).toBe(1);
    expect(check("imsg-found")?.message).toMatch(/ssh -p \d+ .*127\.0\.0\.1|ssh-keyscan/);
    expect((await stat(knownHosts)).size).toBe(0);
  });

  it("over SSH: checks the SFTP subsystem and each remote attachment root", async () => {
    sshd = await startTestSshd();
    harness = await GatewayHarness.create();
    harness.inject({ from: "+15555550123", text: "hello" });
    const attachments = join(harness.home, "Library/Messages/Attachments");
    await mkdir(attachments, { recursive: true });
    await harness.writeConfig({
      channel: {
        transport: "ssh",
        remoteHost: `${sshd.user}@127.0.0.1`,
        remoteCliPath: harness.wrapperPath,
        includeAttachments: true,
        remoteAttachmentRoots: [attachments, join(harness.dir, "no-such-folder/*/Attachments")],
        ssh: { port: sshd.port, identityFile: sshd.clientKeyPath, knownHostsFile: sshd.knownHostsPath },
      },
    });
    const { report } = await doctor(harness);
    const checks = report.accounts[0]?.checks ?? [];
    expect(checks.find((check) => check.id === "database")?.status).toBe("ok");
    expect(checks.find((check) => check.id === "sftp")?.status).toBe("ok");
    expect(checks.filter((check) => check.id === "remote-attachment-root").map((check) => check.status)).toEqual([
      "ok",
      "warn",
    ]);
  });

  it("--fix creates the state dir with mode 0700 and says so", async () => {
    harness = await GatewayHarness.create();
    const before = await doctor(harness);
    expect(before.report.stateDir).toMatchObject({ status: "warn", fix: "imessage-channel doctor --fix" });
    const fixed = await doctor(harness, ["--fix"]);
    expect(fixed.report.changed).toEqual([expect.stringContaining("mode 0700")]);
    expect((await stat(harness.stateDir)).mode & 0o777).toBe(0o700);
  });
});
