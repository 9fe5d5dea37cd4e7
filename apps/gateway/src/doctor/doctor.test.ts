// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFileSync } from "node:child_process";
import { chmod, mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createChatDb, simBinPath, writeBridgeState } from "@imessage-channel/imsg-sim";
import { openStateStore } from "@imessage-channel/state";
import { startTestSshd, type TestSshd } from "@imessage-channel/test-sshd";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../../test/test-support/gateway-harness.ts";

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
  it("says which protocol generation imsg speaks: 1 with its usable methods on 0.15, 0 on 0.9.0", async () => {
    harness = await GatewayHarness.create({ imsgVersion: "0.15.10" });
    const current = await doctor(harness);
    expect(current.check("protocol")).toMatchObject({ status: "ok" });
    expect(current.check("protocol")?.message).toMatch(/^imsg 0\.15\.10 speaks protocol 1: \d+ methods usable now$/);
    await harness.dispose();
    harness = await GatewayHarness.create({ imsgVersion: "0.9.0" });
    const legacy = await doctor(harness);
    expect(legacy.check("protocol")?.message).toMatch(/^imsg speaks protocol 0 /);
  });

  it("passes a healthy simulated Mac and names what the private API bridge hides", async () => {
    harness = await GatewayHarness.create();
    harness.inject({ from: "+15555550123", text: "so chats.list has a chat" });
    const { code, check } = await doctor(harness);
    expect(code).toBe(0);
    expect(check("imsg-found")).toMatchObject({ status: "ok", message: `imsg ${harness.imsgVersion}` });
    expect(check("database")?.status).toBe("ok");
    expect(check("private-api")).toMatchObject({ status: "warn", fix: expect.stringContaining("imsg launch") });
    expect(check("private-api")?.message).toContain("reactions");
    writeBridgeState(harness.dbPath, { sip: "disabled", launched: true });
    expect((await doctor(harness)).check("private-api")?.status).toBe("ok");
  });

  it("notes coalesceSameSenderDms is redundant for link previews on imsg 0.15.10, not on 0.9.0", async () => {
    harness = await GatewayHarness.create({ channel: { coalesceSameSenderDms: true }, imsgVersion: "0.15.10" });
    harness.inject({ from: "+15555550123", text: "so chats.list has a chat" });
    expect((await doctor(harness)).check("coalescing")).toMatchObject({
      status: "info",
      message: expect.stringMatching(/^coalesceSameSenderDms is redundant for link previews on imsg 0\.15\.10/),
    });
    await harness.dispose();
    harness = await GatewayHarness.create({ channel: { coalesceSameSenderDms: true }, imsgVersion: "0.9.0" });
    harness.inject({ from: "+15555550123", text: "so chats.list has a chat" });
    expect((await doctor(harness)).check("coalescing")).toBeUndefined();
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

  it("over SSH: names an unknown host key (never adding it), a changed one, and a refused client key, each apart from imsg", async () => {
    sshd = await startTestSshd();
    harness = await GatewayHarness.create();
    const knownHosts = join(harness.dir, "known_hosts");
    const overSsh = async (ssh: Record<string, unknown>) => {
      await harness!.writeConfig({
        channel: harness!.sshChannel(sshd!, { knownHostsFile: knownHosts, ...ssh }),
      });
      return doctor(harness!);
    };

    await writeFile(knownHosts, "");
    const unknown = await overSsh({});
    expect(unknown.code).toBe(1);
    expect(unknown.check("ssh")).toMatchObject({ status: "fail", fix: expect.stringContaining("never adds") });
    expect(unknown.check("ssh")?.message).toMatch(/ssh -p \d+ .*127\.0\.0\.1|ssh-keyscan/);
    expect(unknown.check("imsg-found")).toBeUndefined();
    expect((await stat(knownHosts)).size).toBe(0);

    await writeFile(knownHosts, `[127.0.0.1]:${sshd.port} ${await sshd.otherHostPublicKey()}\n`);
    const changed = await overSsh({});
    expect(changed.check("ssh")).toMatchObject({
      status: "fail",
      fix: expect.stringContaining("only if the change is expected"),
    });
    expect(changed.check("ssh")?.message).toContain("ssh-keygen -R");

    await writeFile(knownHosts, await readFile(sshd.knownHostsPath, "utf8"));
    const strangerKey = join(harness.dir, "not_authorized");
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", strangerKey]);
    const refused = await overSsh({ identityFile: strangerKey });
    expect(refused.check("ssh")).toMatchObject({ status: "fail", fix: expect.stringContaining("authorized_keys") });
    expect(refused.check("ssh")?.message).toContain(strangerKey);

    const healthy = await overSsh({});
    expect(healthy.check("ssh")).toMatchObject({
      status: "ok",
      message: `SSH to ${sshd.user}@127.0.0.1:${sshd.port}: host key verified, logged in`,
    });
    expect(healthy.check("imsg-found")?.status).toBe("ok");
  });

  it("warns per version threshold: 0.7.3 (typing and read), 0.9.0 (rich actions)", async () => {
    harness = await GatewayHarness.create();
    const withVersion = async (version: string) => {
      const path = join(harness!.dir, `imsg-${version}`);
      await writeFile(
        path,
        `#!/bin/sh\nIMSG_VERSION=${version} exec ${JSON.stringify(process.execPath)} ${JSON.stringify(simBinPath)} "$@"\n`,
      );
      await chmod(path, 0o755);
      await harness!.writeConfig({ channel: { cliPath: path } });
      return (await doctor(harness!)).check("imsg-version");
    };
    expect(await withVersion("0.7.2")).toMatchObject({ status: "warn", message: expect.stringContaining("0.7.3") });
    expect(await withVersion("0.8.5")).toMatchObject({
      status: "warn",
      message: expect.stringContaining("rich actions"),
    });
    expect((await withVersion("0.9.0"))?.status).toBe("ok");
  });

  it("exits 2 with the config's one-line error and runs no check on a bad config", async () => {
    harness = await GatewayHarness.create();
    await writeFile(harness.configPath, JSON.stringify({ channels: { imessage: { dmPolicy: "everyone" } } }));
    const { code, stdout, stderr } = await harness.cli(["doctor", "--json", "--config", harness.configPath]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/channels\.imessage\.dmPolicy/);
    expect(stderr.trim().split("\n")).toHaveLength(1);
  });

  it("over SSH: checks the SFTP subsystem and each remote attachment root", async () => {
    sshd = await startTestSshd();
    harness = await GatewayHarness.create();
    harness.inject({ from: "+15555550123", text: "hello" });
    const attachments = join(harness.home, "Library/Messages/Attachments");
    await mkdir(attachments, { recursive: true });
    await harness.writeConfig({
      channel: {
        ...harness.sshChannel(sshd),
        includeAttachments: true,
        remoteAttachmentRoots: [attachments, join(harness.dir, "no-such-folder/*/Attachments")],
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

  it("warns about unknown and failed outbound parts in state.db, per account, and is ok once they are resolved", async () => {
    harness = await GatewayHarness.create();
    harness.inject({ from: "+15555550123", text: "so chats.list has a chat" });
    // A second account on a Mac database of its own, so both pass every other check.
    const otherDb = join(harness.dir, "other.db");
    createChatDb(otherDb);
    await harness.writeConfig({ channel: { accounts: { default: {}, work: { dbPath: otherDb } } } });
    expect((await doctor(harness)).check("outbox")).toMatchObject({
      status: "ok",
      message: "outbox: no state.db yet, so no outbound parts",
    });
    const state = openStateStore({ stateDir: harness.stateDir });
    const text = (preview: string) => ({ kind: "text" as const, call: { method: "send", params: {} }, preview });
    const chat = { chatId: 7, isGroup: false };
    const [unknown, failed] = state.parts.plan({ id: "reply:g1", accountId: "default", origin: "reply", chat }, [
      text("one"),
      text("two"),
      text("three"),
    ]);
    state.parts.update(unknown!.id, { state: "unknown" });
    state.parts.update(failed!.id, { state: "failed" });
    state.close();

    const report = await doctor(harness);
    expect(report.code).toBe(0);
    expect(report.check("outbox")).toMatchObject({
      status: "warn",
      message: expect.stringMatching(/^outbox: 2 outbound parts wait for the operator \(1 unknown, 1 failed\)/),
      fix: expect.stringContaining("imessage-channel outbox list --account default --state unknown,failed"),
    });
    expect(report.check("outbox", "work")).toMatchObject({
      status: "ok",
      message: "outbox: no unknown or failed parts",
    });

    for (const [id, decision] of [
      [unknown!.id, "--sent"],
      [failed!.id, "--drop"],
    ] as const)
      expect((await harness.cli(["outbox", "resolve", String(id), decision])).code).toBe(0);
    expect((await doctor(harness)).check("outbox")?.status).toBe("ok");
  });

  it("--fix creates the state dir with mode 0700 and says so", async () => {
    harness = await GatewayHarness.create();
    const before = await doctor(harness);
    expect(before.report.stateDir).toMatchObject({ status: "warn", fix: "imessage-channel doctor --fix" });
    const fixed = await doctor(harness, ["--fix"]);
    expect(fixed.report.changed).toEqual([expect.stringContaining("mode 0700")]);
    expect((await stat(harness.stateDir)).mode & 0o777).toBe(0o700);
  });

  it("warns when every group message will be dropped and when DM senders share the main session", async () => {
    harness = await GatewayHarness.create();
    // The reference's example shape with no sender list: groups choose chats, never senders.
    await harness.writeConfig({ channel: { groups: { "*": { systemPrompt: "Use British spelling." } } } });
    const dropped = (await doctor(harness)).check("group-senders");
    expect(dropped).toMatchObject({ status: "warn", fix: expect.stringContaining("groupAllowFrom") });
    expect(dropped?.message).toContain("drops every group message");
    expect((await doctor(harness)).check("dm-scope")).toBeUndefined();

    // Two senders approved through pairing (state.db, as the CLI writes it) share `agent:main:main`.
    const state = openStateStore({ stateDir: harness.stateDir });
    for (const sender of ["+15555550123", "+15555550124"]) {
      const request = state.pairing.requestPairing({ accountId: "default", sender, chatId: "1" });
      if ("code" in request) state.pairing.approve(request.code, { accountId: "default" });
    }
    state.close();
    await harness.writeConfig({ channel: { groupAllowFrom: ["chat_id:8421"] } });
    const shared = await doctor(harness);
    expect(shared.check("group-senders")).toBeUndefined();
    expect(shared.check("dm-scope")).toMatchObject({
      status: "warn",
      message: expect.stringContaining("2 approved DM senders"),
      fix: expect.stringContaining('session.dmScope: "per-sender"'),
    });
    await harness.writeConfig({
      channel: { groupAllowFrom: ["chat_id:8421"] },
      config: { session: { dmScope: "per-sender" } },
    });
    expect((await doctor(harness)).check("dm-scope")).toBeUndefined();
  });
});
