// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { sendJson } from "@imessage-channel/agents/test-support";
import { type RequestRecord, readRequestLog, writeBridgeState } from "@imessage-channel/imsg-sim";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Answers every turn with text and a tapback on the message it got. */
const reactingAgent: AgentHandler = (turn, response) => {
  const [id] = turn.messageIds as Array<{ short: string; guid: string }>;
  sendJson(response, 200, {
    text: `seen: ${String(turn.text)}`,
    actions: [{ action: "react", messageId: id?.guid, emoji: "👍" }],
  });
};

const reactionsOn = (harness: GatewayHarness, guid: string) =>
  harness.query<{ type: number }>(
    "SELECT associated_message_type AS type FROM message WHERE is_from_me = 1 AND associated_message_guid LIKE ?",
    `%${guid}`,
  );

const isRead = (harness: GatewayHarness, rowid: number) =>
  harness.query<{ isRead: number }>("SELECT is_read AS isRead FROM message WHERE ROWID = ?", rowid)[0]?.isRead;

/** Receipt calls (read, typing) imsg-sim got before the gateway's first `imsg status` had answered. */
function receiptsBeforeFirstStatus(records: RequestRecord[]): RequestRecord[] {
  const firstStatus = records.findIndex((record) => record.kind === "cli" && record.args[0] === "status");
  return records
    .slice(0, firstStatus === -1 ? records.length : firstStatus)
    .filter((record) => record.kind === "rpc" && (record.method === "read" || record.method === "typing"));
}

// imsg waits for its bridge's own status probe before it answers (up to 3 s): the first row arrives before it did.
const slowStatus = { IMSG_SIM_FAULT_STATUS_DELAY_MS: "1500" };

describe("gateway end to end: the private API bridge coming up while the gateway runs", () => {
  it("notices `imsg launch` without a restart: the next action succeeds and receipts follow", async () => {
    harness = await GatewayHarness.create({ channel: open, agent: reactingAgent });
    const requestLog = await harness.requestLogPath();
    await harness.start([], { ...slowStatus, IMSG_SIM_REQUEST_LOG: requestLog });

    // SIP on: the tapback is refused with the fix, and the first row gets no read before the probe answered.
    const first = harness.inject({ from: friend, text: "one" });
    await harness.waitForLog(
      /action react not done: iMessage react requires the imsg private API bridge; run `imsg launch` on the Mac/,
      20_000,
    );
    expect(reactionsOn(harness, first.guid)).toEqual([]);
    expect(receiptsBeforeFirstStatus(readRequestLog(requestLog))).toEqual([]);
    expect(isRead(harness, first.rowid)).toBe(0);

    // The operator disables SIP and runs `imsg launch`; the gateway keeps running.
    writeBridgeState(harness.dbPath, { sip: "disabled", launched: true });
    const mark = harness.logs.length;
    const second = harness.inject({ from: friend, text: "two" });
    await harness.waitForLog(/action react done/, 20_000, mark);
    expect(reactionsOn(harness, second.guid).map((row) => row.type)).toEqual([2001]);

    // The action's probe is the one verdict receipts use too: the next row is marked read.
    const third = harness.inject({ from: friend, text: "three" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "seen: three"), "the third reply", 20_000);
    expect(isRead(harness, third.rowid)).toBe(1);
  });

  it("with the bridge up, marks the first row read only after the first probe answered", async () => {
    harness = await GatewayHarness.create({ channel: open, agent: reactingAgent });
    writeBridgeState(harness.dbPath, { sip: "disabled", launched: true });
    const requestLog = await harness.requestLogPath();
    await harness.start([], { ...slowStatus, IMSG_SIM_REQUEST_LOG: requestLog });
    const first = harness.inject({ from: friend, text: "first" });
    await harness.waitForSent((rows) => rows.some((row) => row.text === "seen: first"), "the reply", 20_000);
    const records = readRequestLog(requestLog);
    expect(receiptsBeforeFirstStatus(records)).toEqual([]);
    expect(records.some((record) => record.kind === "rpc" && record.method === "read")).toBe(true);
    expect(isRead(harness, first.rowid)).toBe(1);
  });
});
