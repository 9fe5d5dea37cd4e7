// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const owner = "+15555550123";
const friend = "+15555550124";
const stranger = "+15555550199";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Sends `text` from `from` and returns the one answer it gets. */
async function answerTo(world: GatewayHarness, from: string, text: string): Promise<string> {
  const before = world.sentRows().length;
  world.inject({ from, text });
  const rows = await world.waitForSent((sent) => sent.length > before, `the answer to ${text} from ${from}`);
  expect(rows).toHaveLength(before + 1);
  return rows.at(-1)!.text;
}

describe("gateway end to end: /help from chat", () => {
  it("lists only the commands the sender may use: /config for owners, and nothing but a pairing code for a stranger", async () => {
    harness = await GatewayHarness.create({
      channel: { dmPolicy: "pairing", allowFrom: [owner, friend] },
      config: { commands: { config: true, ownerAllowFrom: [owner] } },
    });
    await harness.start();

    expect(await answerTo(harness, owner, "/help")).toBe(
      [
        "Commands you can send here:",
        "/status: the gateway's connection and counters, and your agent and session",
        "/new or /reset: start a new conversation with the agent",
        "/config set <path> <value> | /config unset <path>: change a chat-writable config key",
        "/help: this list",
      ].join("\n"),
    );
    expect(await answerTo(harness, friend, "/HELP")).toBe(
      [
        "Commands you can send here:",
        "/status: the gateway's connection and counters, and your agent and session",
        "/new or /reset: start a new conversation with the agent",
        "/help: this list",
      ].join("\n"),
    );
    const toStranger = await answerTo(harness, stranger, "/help");
    expect(toStranger).toMatch(/pairing code is [A-Z0-9]{8}/);
    expect(toStranger).not.toContain("/status");
    // Commands are answered by the gateway: the agent saw none of them.
    expect(harness.turns()).toEqual([]);
  });

  it("lists /acp only where an ACP agent is configured", async () => {
    harness = await GatewayHarness.create({ channel: { dmPolicy: "allowlist", allowFrom: [friend] } });
    await harness.writeConfig({
      channel: { dmPolicy: "allowlist", allowFrom: [friend] },
      config: {
        agents: {
          list: [
            { id: "main", default: true, runtime: { type: "webhook", url: `${harness.agent.url}/turn` } },
            { id: "coder", runtime: { type: "acp", acp: { agent: "codex" } } },
          ],
        },
      },
    });
    await harness.start();
    const help = await answerTo(harness, friend, "/help");
    expect(help).toContain("/acp spawn|status|close …: bind this conversation to an ACP agent");
    expect(help).not.toContain("/config");
  });
});
