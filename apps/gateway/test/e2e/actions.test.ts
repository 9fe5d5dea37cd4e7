// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { sendJson } from "@imessage-channel/agents/test-support";
import { writeBridgeState } from "@imessage-channel/imsg-sim";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
  offered.length = 0;
});

/** The `availableActions` of every turn the agent got. */
const offered: unknown[] = [];

/** Answers with text, a tapback on the inbound message (by its short id) and a threaded reply. */
const reactingAgent: AgentHandler = (turn, response) => {
  offered.push(turn.availableActions);
  const [id] = turn.messageIds as Array<{ short: string; guid: string }>;
  sendJson(response, 200, {
    text: "on it",
    actions: [
      { action: "react", messageId: id?.short, emoji: "❤️" },
      { action: "reply", messageId: id?.guid, text: "threaded answer" },
    ],
  });
};

const reactionsOn = (harness: GatewayHarness, guid: string) =>
  harness.query<{ type: number }>(
    "SELECT associated_message_type AS type FROM message WHERE is_from_me = 1 AND associated_message_guid LIKE ?",
    `%${guid}`,
  );

describe("gateway end to end: private API actions, read receipts and typing", () => {
  it("with the bridge up: marks the chat read, runs react and threaded reply", async () => {
    harness = await GatewayHarness.create({ channel: open, agent: reactingAgent });
    writeBridgeState(harness.dbPath, { sip: "disabled", launched: true });
    await harness.start();
    const inbound = harness.inject({ from: friend, text: "please react" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "threaded answer"), "the threaded reply");
    await harness.waitForLog(/action react done/).catch((error: unknown) => {
      console.log(harness?.logs.filter((line) => line.includes("action")).join("\n"));
      throw error;
    });
    expect(reactionsOn(harness, inbound.guid).map((row) => row.type)).toEqual([2000]);
    const [read] = harness.query<{ isRead: number }>(
      "SELECT is_read AS isRead FROM message WHERE ROWID = ?",
      inbound.rowid,
    );
    expect(read?.isRead).toBe(1);
    const threaded = harness.query<{ thread: string }>(
      "SELECT thread_originator_guid AS thread FROM message WHERE is_from_me = 1 AND text = 'threaded answer'",
    );
    expect(threaded[0]?.thread).toBe(inbound.guid);
    // The agent was told what this Mac can do in a DM: the bridge actions, no group ops.
    expect(offered).toEqual([["react", "reply", "sendWithEffect", "edit", "unsend", "upload-file"]]);
  });

  it("with SIP on: hides react, still delivers the threaded reply as a plain send, and does not mark read", async () => {
    harness = await GatewayHarness.create({ channel: open, agent: reactingAgent });
    await harness.start();
    const inbound = harness.inject({ from: friend, text: "please react" });
    await harness.waitForSent(
      (rows) => rows.some((row) => row.text === "threaded answer"),
      "the reply as a plain send",
    );
    await harness.waitForLog(/action react not done: iMessage react requires the imsg private API bridge/);
    expect(reactionsOn(harness, inbound.guid)).toEqual([]);
    const [read] = harness.query<{ isRead: number }>(
      "SELECT is_read AS isRead FROM message WHERE ROWID = ?",
      inbound.rowid,
    );
    expect(read?.isRead).toBe(0);
    // …and the agent was told so: only a plain file send works without the bridge.
    expect(offered).toEqual([["upload-file"]]);
  });
});
