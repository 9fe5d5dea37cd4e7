// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { type AcpFixture, createAcpFixture } from "@imessage-channel/agents-acp/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const owner = "+15555550123";
const stranger = "+15555550199";

let harness: GatewayHarness | undefined;
let fixture: AcpFixture | undefined;
afterEach(async () => {
  await harness?.dispose();
  await fixture?.cleanup();
  harness = undefined;
  fixture = undefined;
});

async function world(options: { bindings?: unknown[]; load?: boolean } = {}) {
  fixture = await createAcpFixture();
  harness = await GatewayHarness.create({ channel: { dmPolicy: "allowlist", allowFrom: [owner, stranger] } });
  const agents = {
    list: [
      { id: "main", default: true, runtime: { type: "webhook", url: `${harness.agent.url}/turn` } },
      {
        id: "codex",
        runtime: {
          type: "acp",
          acp: { agent: "codex", mode: "persistent", command: fixture.command({ load: options.load }) },
        },
      },
    ],
  };
  await harness.writeConfig({
    channel: { dmPolicy: "allowlist", allowFrom: [owner] },
    config: { agents, ...(options.bindings ? { bindings: options.bindings } : {}) },
  });
  await harness.start();
  return harness;
}

const lastReply = (harness: GatewayHarness) => harness.sentRows().at(-1)?.text ?? "";

describe("gateway end to end: ACP conversation bindings", () => {
  it("spawn --bind here routes the DM to the ACP agent; /new resets in place; /acp close unbinds", async () => {
    const harness = await world();
    let sent = 0;
    const say = async (text: string) => {
      harness.inject({ from: owner, text });
      sent++;
      const expected = sent;
      await harness.waitForSent((rows) => rows.length >= expected, `the answer to "${text}"`, 20_000);
      return lastReply(harness);
    };

    expect(await say("/acp spawn codex --bind here")).toMatch(/^Bound this conversation to codex/);
    // The fixture agent echoes like the webhook does; the webhook's own turns show who answered.
    expect(await say("hello there agent")).toBe("echo: hello there agent");
    expect(await say("what did I say")).toContain("hello there agent");
    expect(await say("/acp status")).toMatch(/codex/i);
    await say("/new");
    expect(await say("what did I say")).not.toContain("hello there agent");
    await say("/acp close");
    expect(await say("back to normal")).toBe("echo: back to normal");
    expect(harness.turns().map((turn) => turn.text)).toEqual(["back to normal"]);
    const prompts = fixture?.events("session/prompt").map((event) => event.text ?? "") ?? [];
    expect(prompts.some((text) => text.includes("hello there agent"))).toBe(true);
    expect(prompts.some((text) => text.includes("back to normal"))).toBe(false);
  });

  it("a configured acp binding routes the peer to the agent without any chat command", async () => {
    const harness = await world({
      bindings: [
        {
          type: "acp",
          agentId: "codex",
          match: { channel: "imessage", accountId: "default", peer: { kind: "dm", id: owner } },
        },
      ],
    });
    harness.inject({ from: owner, text: "configured route" });
    await harness.waitForSent((rows) => rows.length === 1, "the ACP answer", 20_000);
    expect(fixture?.events("session/prompt").some((event) => event.text?.includes("configured route"))).toBe(true);
    expect(lastReply(harness)).toBe("echo: configured route");
    expect(harness.turns()).toHaveLength(0);
  });

  it("a stranger cannot spawn or bind an agent", async () => {
    const harness = await world();
    harness.inject({ from: stranger, text: "/acp spawn codex --bind here" });
    await harness.waitForLog(/dm-not-allowed/);
    expect(harness.sentRows()).toHaveLength(0);
    expect(fixture?.events("session/new")).toHaveLength(0);
  });
});
