// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const stranger = "+15555550199";
const friend = "+15555550123";
const groupGuid = "iMessage;+;chat842100000000000000";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Rows whose replies we can wait for: the text the webhook agent answered with. */
const replied = (text: string) => (rows: { text: string }[]) => rows.some((row) => row.text === `echo: ${text}`);

describe("gateway end to end: who may reach the agent", () => {
  it("pairs a stranger: code sent, approved from the CLI while running, then answered in the same chat", async () => {
    harness = await GatewayHarness.create();
    await harness.start();
    const first = harness.inject({ from: stranger, text: "hello?" });
    const [challenge] = await harness.waitForSent((rows) => rows.length === 1, "the pairing reply");
    const code = /pairing code is ([A-Z0-9]{8})/.exec(challenge?.text ?? "")?.[1];
    expect(code).toBeDefined();
    expect(challenge?.text).toContain(`imessage-channel pairing approve imessage ${code}`);
    expect(challenge?.chatId).toBe(first.chatId);
    expect(harness.turns()).toHaveLength(0);

    const listed = await harness.cli(["pairing", "list", "imessage", "--json"]);
    expect(JSON.parse(listed.stdout)).toMatchObject([
      { channel: "imessage", accountId: "default", code, sender: stranger },
    ]);
    const approved = await harness.cli(["pairing", "approve", "imessage", code!]);
    expect(approved.code).toBe(0);

    harness.inject({ from: stranger, text: "now?" });
    const rows = await harness.waitForSent(replied("now?"), "the agent's reply after approval");
    expect(rows.at(-1)?.chatId).toBe(first.chatId);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["now?"]);
    const unknown = await harness.cli(["pairing", "approve", "imessage", "ZZZZZZZZ"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown");
  });

  it("allowlist: answers listed senders, drops strangers without a pairing code", async () => {
    harness = await GatewayHarness.create({ channel: { dmPolicy: "allowlist", allowFrom: [friend] } });
    await harness.start();
    harness.inject({ from: stranger, text: "let me in" });
    harness.inject({ from: friend, text: "hi" });
    await harness.waitForSent(replied("hi"), "the friend's reply");
    await harness.waitForLog(/dm-not-allowed/);
    expect(harness.sentRows()).toHaveLength(1);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["hi"]);
  });

  it("open: anyone reaches the agent; disabled: nobody does", async () => {
    harness = await GatewayHarness.create({ channel: { dmPolicy: "open", allowFrom: ["*"] } });
    await harness.start();
    harness.inject({ from: stranger, text: "open door" });
    await harness.waitForSent(replied("open door"), "a reply under open");
    await harness.dispose();

    harness = await GatewayHarness.create({ channel: { dmPolicy: "disabled", allowFrom: [friend] } });
    await harness.start();
    harness.inject({ from: friend, text: "anyone?" });
    await harness.waitForLog(/dm-disabled/);
    expect(harness.sentRows()).toHaveLength(0);
    expect(harness.turns()).toHaveLength(0);
  });

  it("groups: allowlist falls back to allowFrom, mention gating, command bypass, per-group system prompt", async () => {
    harness = await GatewayHarness.create({
      channel: {
        allowFrom: [friend],
        groups: { "*": { requireMention: true, systemPrompt: "Use British spelling." } },
      },
      config: { messages: { groupChat: { mentionPatterns: ["\\bbot\\b"] } } },
    });
    await harness.start();
    const group = { group: groupGuid, groupName: "Crew", participants: [stranger] };
    harness.inject({ from: friend, text: "no mention here", ...group });
    harness.inject({ from: stranger, text: "bot, let me in", ...group });
    harness.inject({ from: friend, text: "hey bot, what's up?", ...group });
    await harness.waitForSent(replied("hey bot, what's up?"), "the mentioned reply");
    harness.inject({ from: friend, text: "/status", ...group });
    await harness.waitForSent(
      (rows) => rows.some((row) => row.text.startsWith("Account default:")),
      "the /status answer",
    );
    await harness.waitForLog(/not-mentioned/);
    await harness.waitForLog(/group-sender-not-allowed/);
    const turns = harness.turns();
    expect(turns.map((turn) => turn.text)).toEqual(["hey bot, what's up?"]);
    expect(turns[0]).toMatchObject({
      systemPrompt: "Use British spelling.",
      wasMentioned: true,
      chat: { isGroup: true },
      sessionKey: expect.stringMatching(/^agent:main:imessage:group:\d+$/),
    });
  });

  it("ignores a stranger's control command like any other message", async () => {
    harness = await GatewayHarness.create({ channel: { dmPolicy: "allowlist", allowFrom: [friend] } });
    await harness.start();
    harness.inject({ from: stranger, text: "/reset" });
    harness.inject({ from: friend, text: "after" });
    await harness.waitForSent(replied("after"), "the friend's reply");
    await waitFor("the stranger's drop", () => harness?.logs.some((line) => line.includes("dm-not-allowed")));
    expect(harness.sentRows().map((row) => row.text)).toEqual(["echo: after"]);
  });
});
