// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

describe("imessage-channel CLI against a simulated Mac", () => {
  it("status --probe --json reports a working imsg with the operator contract's shape", async () => {
    harness = await GatewayHarness.create();
    const { code, stdout } = await harness.cli(["status", "--probe", "--json", "--config", harness.configPath]);
    expect(code).toBe(0);
    const [account] = JSON.parse(stdout).channels.imessage.accounts;
    expect(account).toMatchObject({
      accountId: "default",
      works: true,
      version: harness.imsgVersion,
      rpc: true,
      privateApi: { available: false },
      running: false,
    });
    expect(account.problems.some((problem: string) => problem.includes("imsg launch"))).toBe(true);
  });

  it("status --probe shows what each imsg negotiated: protocol 1 with its usable methods on 0.15, protocol 0 on 0.9.0", async () => {
    harness = await GatewayHarness.create({ imsgVersion: "0.15.10" });
    const current = await harness.cli(["status", "--probe", "--json", "--config", harness.configPath]);
    const [account] = JSON.parse(current.stdout).channels.imessage.accounts;
    expect(account.protocol).toMatchObject({ version: 1, databaseReady: true, features: {} });
    expect(account.protocol.methods).toContain("messages.after");
    const text = await harness.cli(["status", "--probe", "--config", harness.configPath]);
    expect(text.stdout).toContain("works (imsg 0.15.10, protocol 1)");
    await harness.dispose();

    harness = await GatewayHarness.create({ imsgVersion: "0.9.0" });
    const legacy = await harness.cli(["status", "--probe", "--json", "--config", harness.configPath]);
    const [old] = JSON.parse(legacy.stdout).channels.imessage.accounts;
    expect(old.protocol).toEqual({ version: 0, features: {} });
  });

  it("status --probe names Full Disk Access when imsg cannot read the database, and exits 1", async () => {
    harness = await GatewayHarness.create({ simArgs: ["--fault-full-disk-access"] });
    const { code, stdout } = await harness.cli(["status", "--probe", "--config", harness.configPath]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/broken/);
    expect(stdout).toMatch(/Full Disk Access/);
  });

  it("status shows the running gateway's state and counters", async () => {
    harness = await GatewayHarness.create({ channel: { dmPolicy: "open", allowFrom: ["*"] } });
    await harness.start();
    harness.inject({ from: "+15555550123", text: "count me" });
    await harness.waitForSent((rows) => rows.length === 1, "the reply");
    const status = await waitFor("the counters in the status file", async () => {
      const { stdout } = await harness!.cli(["status", "--json", "--config", harness!.configPath]);
      const [account] = JSON.parse(stdout).channels.imessage.accounts;
      return account.counters?.sent === 1 ? account : undefined;
    });
    expect(status).toMatchObject({
      running: true,
      state: "connected",
      counters: { received: 1, dispatched: 1, sent: 1 },
    });
  });

  it("chats lists targets and send delivers to one of them", async () => {
    harness = await GatewayHarness.create();
    const inbound = harness.inject({ from: "+15555550123", text: "hello" });
    const chats = await harness.cli(["chats", "--json", "--config", harness.configPath]);
    expect(JSON.parse(chats.stdout).map((chat: { id: number }) => chat.id)).toContain(inbound.chatId);
    const sent = await harness.cli([
      "send",
      `chat_id:${inbound.chatId}`,
      "from the CLI",
      "--config",
      harness.configPath,
    ]);
    expect(sent.code).toBe(0);
    expect(harness.sentRows()).toEqual([expect.objectContaining({ chatId: inbound.chatId, text: "from the CLI" })]);
    const bad = await harness.cli(["send", "chat_id:abc", "x", "--config", harness.configPath]);
    expect(bad.code).toBe(2);
  });

  it("config validate exits 2 with one line per problem naming key, value and what is allowed", async () => {
    harness = await GatewayHarness.create();
    await writeFile(harness.configPath, '{ channels: { imessage: { dmPolicy: "opn", textChunkLimit: "big" } } }');
    const { code, stderr } = await harness.cli(["config", "validate", "--config", harness.configPath]);
    expect(code).toBe(2);
    expect(stderr).toContain('channels.imessage.dmPolicy: "opn" is not one of pairing | allowlist | open | disabled');
    expect(stderr.trim().split("\n").length).toBeGreaterThanOrEqual(2);
    const gateway = await harness.cli(["gateway", "--config", harness.configPath]);
    expect(gateway.code).toBe(2);
  });

  it("send refuses what is neither a handle nor a chat, a missing --file and one over mediaMaxMb, sending nothing", async () => {
    harness = await GatewayHarness.create({ channel: { mediaMaxMb: 1 } });
    const big = join(harness.dir, "big.bin");
    await writeFile(big, Buffer.alloc(2 * 1024 * 1024));
    const cases = [
      [["send", "not a target", "hi"], /"not a target" is neither a handle/],
      [["send", "+15555550123", "--file", join(harness.dir, "missing.png")], /does not exist/],
      [["send", "+15555550123", "--file", harness.dir], /is not a regular file/],
      [["send", "+15555550123", "--file", big], /is 2 MB, over mediaMaxMb \(1 MB\)/],
    ] as const;
    for (const [args, message] of cases) {
      const result = await harness.cli([...args, "--config", harness.configPath]);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    expect(harness.sentRows()).toEqual([]);
  });

  it("config get prints a set value, else the effective default and says so; an unknown key is unknown", async () => {
    harness = await GatewayHarness.create({
      channel: { dmPolicy: "allowlist", accounts: { work: { textChunkLimit: 900 } } },
    });
    const get = (path: string) => harness!.cli(["config", "get", path, "--config", harness!.configPath]);
    expect(await get("channels.imessage.dmPolicy")).toMatchObject({ code: 0, stdout: "allowlist\n", stderr: "" });
    const chunk = await get("channels.imessage.textChunkLimit");
    expect(chunk).toMatchObject({ code: 0, stdout: "4000\n" });
    expect(chunk.stderr).toContain("is not set in");
    expect(chunk.stderr).toContain("this is the default that applies");
    expect(await get("channels.imessage.accounts.work.textChunkLimit")).toMatchObject({ stdout: "900\n" });
    expect(await get("channels.imessage.accounts.work.dmPolicy")).toMatchObject({ code: 0, stdout: "allowlist\n" });
    expect(await get("session.dmScope")).toMatchObject({ code: 0, stdout: "main\n" });
    const unknown = await get("channels.imessage.dmPolicyy");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("channels.imessage.dmPolicyy: unknown key");
    expect(unknown.stderr).toContain('did you mean "dmPolicy"');
    const noDefault = await get("channels.imessage.remoteHost");
    expect(noDefault.code).toBe(1);
    expect(noDefault.stderr).toContain("has no default");
  });
});
