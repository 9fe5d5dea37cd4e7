// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

describe("gateway end to end: what the reference document promises", () => {
  it("a flood of 15 DMs in one window gives the agent the first and the latest 9, and tracks all 15 guids", async () => {
    harness = await GatewayHarness.create({
      channel: { ...open, coalesceSameSenderDms: true },
      config: { messages: { inbound: { byChannel: { imessage: 4000 } } } },
    });
    await harness.start();
    const rows = Array.from({ length: 15 }, (_, index) => harness!.inject({ from: friend, text: `m${index + 1}` }));
    await harness.waitForSent((sent) => sent.length === 1, "one reply", 20_000);
    const [turn] = harness.turns() as Array<{ text: string; coalescedMessageGuids: string[] }>;
    expect(turn?.text).toBe(["m1", "m7", "m8", "m9", "m10", "m11", "m12", "m13", "m14", "m15"].join(" "));
    expect(turn?.coalescedMessageGuids).toEqual(rows.map((row) => row.guid));
    expect(harness.turns()).toHaveLength(1);
  }, 40_000);

  it("tapbacks on the agent's own messages reach it as events with both message ids; others, strangers' and off do not", async () => {
    const stranger = "+15555550199";
    harness = await GatewayHarness.create({ channel: { dmPolicy: "allowlist", allowFrom: [friend] } });
    await harness.start();
    const question = harness.inject({ from: friend, text: "hi" });
    const [answer] = await harness.waitForSent((rows) => rows.length === 1, "the answer");
    const answerGuid = harness.query<{ guid: string }>("SELECT guid FROM message WHERE ROWID = ?", answer!.rowid)[0]
      ?.guid;
    const liked = harness.inject({ from: friend, tapback: { kind: "like", target: answerGuid! } });
    harness.inject({ from: friend, tapback: { kind: "love", target: question.guid } }); // on their own message
    harness.inject({ from: stranger, tapback: { kind: "like", target: answerGuid! } });
    harness.inject({ from: friend, text: "after the tapbacks" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "echo: after the tapbacks"), "the last answer");
    // The tapback waits on a history lookup, so the next message may overtake it: wait for both, in any order.
    await waitFor("the tapback's event turn", () => harness!.turns().length === 3, 10_000);
    const turns = harness.turns() as Array<{
      text: string;
      event?: Record<string, unknown>;
      coalescedMessageGuids: string[];
    }>;
    const event = turns.find((turn) => turn.event);
    expect(turns.filter((turn) => !turn.event).map((turn) => turn.text)).toEqual(["hi", "after the tapbacks"]);
    expect(event?.text).toMatch(
      new RegExp(`^iMessage reaction added: 👍 by \\${friend} on msg \\d+ \\(${answerGuid}\\)$`),
    );
    expect(event).toMatchObject({
      event: {
        type: "reaction",
        action: "added",
        emoji: "👍",
        reactionType: "like",
        sender: friend,
        target: { guid: answerGuid },
      },
      coalescedMessageGuids: [liked.guid],
    });
    // The stranger got nothing, not even a pairing code.
    expect(
      harness
        .sentRows()
        .every(
          (row) =>
            row.chatId !==
            harness!.query<{ id: number }>("SELECT ROWID AS id FROM chat WHERE chat_identifier = ?", stranger)[0]?.id,
        ),
    ).toBe(true);

    await harness.stop();
    await harness.writeConfig({
      channel: { dmPolicy: "allowlist", allowFrom: [friend], reactionNotifications: "off" },
    });
    await harness.start();
    harness.inject({ from: friend, tapback: { kind: "laugh", target: answerGuid! } });
    harness.inject({ from: friend, text: "with reactions off" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "echo: with reactions off"), "the answer");
    expect(
      harness
        .turns()
        .map((turn) => turn.text)
        .slice(3),
    ).toEqual(["with reactions off"]);
  }, 60_000);

  it("group history: messages mention gating skipped reach the next turn there (historyLimit), never a stranger's", async () => {
    const friend2 = "+15555550124";
    const stranger = "+15555550199";
    harness = await GatewayHarness.create({
      channel: { groupAllowFrom: [friend, friend2], groups: { "*": { requireMention: true } }, historyLimit: 2 },
      config: { messages: { groupChat: { mentionPatterns: ["\\bbot\\b"] } } },
    });
    await harness.start();
    const group = { group: "chat424200000000000000", participants: [friend, friend2, stranger] };
    harness.inject({ from: friend, text: "first, beyond the limit", ...group });
    harness.inject({ from: friend, text: "the deploy is at 5", ...group });
    harness.inject({ from: stranger, text: "stranger words", ...group });
    harness.inject({ from: friend2, text: "ok", ...group });
    harness.inject({ from: friend, text: "bot, when is the deploy?", ...group });
    await harness.waitForSent((rows) => rows.length === 1, "the answer");
    harness.inject({ from: friend2, text: "bot, thanks", ...group });
    await harness.waitForSent((rows) => rows.length === 2, "the second answer");
    const turns = harness.turns() as Array<{ text: string; history?: Array<{ sender: string; text: string }> }>;
    expect(turns.map((turn) => [turn.text, turn.history?.map((entry) => `${entry.sender}: ${entry.text}`)])).toEqual([
      ["bot, when is the deploy?", [`${friend}: the deploy is at 5`, `${friend2}: ok`]],
      ["bot, thanks", undefined],
    ]);
  }, 40_000);

  it("DM history: a new DM session is seeded with the chat's recent messages, ours marked, once (dmHistoryLimit, dms)", async () => {
    const friend2 = "+15555550124";
    harness = await GatewayHarness.create({
      channel: {
        dmPolicy: "allowlist",
        allowFrom: [friend, friend2],
        dmHistoryLimit: 2,
        dms: { "+1 (555) 555-0124": { historyLimit: 0 } },
      },
      config: { session: { dmScope: "per-sender" } },
    });
    // Said before this gateway ever ran: it does not answer these, but a new session may read them.
    harness.inject({ from: friend, text: "too old to be seeded" });
    harness.inject({ from: friend, text: "remember the milk" });
    harness.inject({ from: friend, text: "will do", isFromMe: true });
    harness.inject({ from: friend2, text: "friend2 earlier" });
    await harness.start();
    harness.inject({ from: friend, text: "what did I ask?" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "echo: what did I ask?"), "the answer");
    harness.inject({ from: friend, text: "and now?" });
    harness.inject({ from: friend2, text: "hi from friend2" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "echo: hi from friend2"), "friend2's answer");
    await harness.waitForSent((rows) => rows.some((row) => row.text === "echo: and now?"), "the second answer");
    const turns = harness.turns() as Array<{ text: string; history?: Array<Record<string, unknown>> }>;
    const historyOf = (text: string) => turns.find((turn) => turn.text === text)?.history;
    expect(historyOf("what did I ask?")).toEqual([
      expect.objectContaining({ sender: friend, text: "remember the milk" }),
      expect.objectContaining({ sender: "me", text: "will do", fromMe: true }),
    ]);
    expect(historyOf("and now?")).toBeUndefined();
    expect(historyOf("hi from friend2")).toBeUndefined();
  }, 40_000);
});
