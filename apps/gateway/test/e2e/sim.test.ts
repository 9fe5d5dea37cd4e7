// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

interface Reply {
  chatId: number;
  chatIdentifier: string;
  chatName: string;
  isGroup: boolean;
  text: string;
}

describe("imessage-channel sim: a dry run of a real config on a simulated Mac", () => {
  it("sim start points the config at the simulated Mac; a message in, the agent's reply out", async () => {
    harness = await GatewayHarness.create();
    const world = join(harness.dir, "sim");
    const started = await harness.cli(["sim", "start", "--world", world, "--config", harness.configPath]);
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`runs imsg-sim under Node ${process.version}`);
    const config = await readFile(harness.configPath, "utf8");
    expect(config).toContain(join(world, "imsg"));
    expect(config).toContain(join(world, "chat.db"));
    await harness.start();

    const said = await harness.cli(["sim", "say", "--world", world, "--from", friend, "--text", "Hello agent"]);
    expect(said.stdout).toMatch(/^\+15555550123 wrote in chat \d+ \(row \d+\)\.\n$/);
    const replies = async () =>
      JSON.parse((await harness!.cli(["sim", "replies", "--world", world, "--json"])).stdout) as Reply[];
    const [pairing] = await waitFor("the pairing reply", async () => {
      const sent = await replies();
      return sent.length > 0 ? sent : undefined;
    });
    expect(pairing).toMatchObject({ chatIdentifier: friend, isGroup: false });
    const code = /pairing code is ([A-Z2-9]{8})/.exec(pairing!.text)![1]!;
    expect((await harness.cli(["pairing", "approve", "imessage", code])).code).toBe(0);

    await harness.cli(["sim", "say", "--world", world, "--from", friend, "--text", "Hello again"]);
    const answered = await waitFor("the agent's reply", async () => {
      const sent = await replies();
      return sent.length === 3 ? sent : undefined;
    });
    expect(harness.turns().map((turn) => turn.text)).toEqual(["Hello again"]);
    // The pairing code, then the approval notice (pairing.notifyOnApprove) and the agent's answer in either order.
    expect(answered[0]).toEqual(pairing);
    expect(
      answered
        .slice(1)
        .map((reply) => reply.text.slice(0, 16))
        .sort(),
    ).toEqual(["You're approved:", "echo: Hello agai"]);
    expect(answered.every((reply) => reply.chatIdentifier === friend)).toBe(true);
    expect(answered.some((reply) => reply.text === "echo: Hello again")).toBe(true);
    const table = await harness.cli(["sim", "replies", "--world", world]);
    expect(table.stdout).toMatch(/^CHAT +TO +TEXT\n/);
    expect(table.stdout).toContain("+15555550123  echo: Hello again");
  });

  it("sim group writes in a group the config can name; mention gating decides what is answered", async () => {
    harness = await GatewayHarness.create();
    const world = join(harness.dir, "sim");
    await harness.cli(["sim", "start", "--world", world]);
    const group = (text: string) =>
      harness!.cli(["sim", "group", "family", "--world", world, "--from", friend, "--text", text]);
    const first = await group("setting up");
    const chatId = Number(/chat (\d+) \(row/.exec(first.stdout)![1]);
    expect(first.stdout).toContain(`channels.imessage.groups."${chatId}"`);
    await harness.writeConfig({
      channel: {
        cliPath: join(world, "imsg"),
        dbPath: join(world, "chat.db"),
        groupPolicy: "allowlist",
        groupAllowFrom: [friend],
        groups: { [String(chatId)]: { requireMention: true } },
      },
      config: { messages: { groupChat: { mentionPatterns: ["@agent"] } } },
    });
    await harness.start();
    await group("no mention here");
    await group("@agent are you there?");
    await waitFor("the group reply", async () => {
      const { stdout } = await harness!.cli([
        "sim",
        "replies",
        "--world",
        world,
        "--chat-id",
        String(chatId),
        "--json",
      ]);
      return (JSON.parse(stdout) as Reply[]).length === 1 ? true : undefined;
    });
    await harness.waitForLog(/requireMention is on and no mention pattern matched/);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["@agent are you there?"]);
    const { stdout } = await harness.cli(["sim", "replies", "--world", world, "--chat-id", String(chatId), "--json"]);
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({ chatName: "family", isGroup: true, text: "echo: @agent are you there?" }),
    ]);
  });

  it("sim stop ends the running imsg and keeps the gateway from it; sim start brings it back", async () => {
    harness = await GatewayHarness.create({ channel: { dmPolicy: "open", allowFrom: ["*"] } });
    const world = join(harness.dir, "sim");
    await harness.cli(["sim", "start", "--world", world, "--config", harness.configPath]);
    await harness.start();
    const pid = Number((await readFile(join(world, "imsg-rpc.pid"), "utf8")).trim());
    const stopped = await harness.cli(["sim", "stop", "--world", world]);
    expect(stopped.stdout).toContain(`ended imsg rpc (pid ${pid})`);
    expect(existsSync(join(world, "imsg"))).toBe(false);
    await harness.waitForLog(/imsg not found at/);
    const mark = harness.logs.length;
    await harness.cli(["sim", "say", "--world", world, "--from", friend, "--text", "while it was down"]);
    const restarted = await harness.cli(["sim", "start", "--world", world]);
    expect(restarted.stdout).toContain("kept from before");
    await harness.waitForLog(/imsg stream connected/, 20_000, mark);
    await waitFor("the reply to the message sent while imsg was down", async () => {
      const { stdout } = await harness!.cli(["sim", "replies", "--world", world, "--json"]);
      return (JSON.parse(stdout) as Reply[]).some((reply) => reply.text === "echo: while it was down") || undefined;
    });
  });

  it("refuses a sender that is no handle, and a world that was never started, naming the fix", async () => {
    harness = await GatewayHarness.create();
    const world = join(harness.dir, "nowhere");
    const missing = await harness.cli(["sim", "say", "--world", world, "--from", friend, "--text", "hi"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      `error: no simulated Mac in ${world}; create it with: imessage-channel sim start --world ${world}\n`,
    );
    await harness.cli(["sim", "start", "--world", world]);
    const bad = await harness.cli(["sim", "say", "--world", world, "--from", "bob", "--text", "hi"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('error: --from: "bob" is not a phone number (e.g. +15555550123) or an email address\n');
    const none = await harness.cli(["sim", "replies", "--world", world]);
    expect(none.stdout).toBe("Nothing sent from the simulated Mac yet.\n");
  });
});
