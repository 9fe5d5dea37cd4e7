// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { setTimeout as sleep } from "node:timers/promises";
import { sendJson } from "@imessage-channel/agents/test-support";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type AgentHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

// Every message is an outbound part with an identity and a state (docs/exactly-once.md). On imsg 0.15 with its bridge
// up a text part goes out as send.tracked under its own guid and a lost answer is settled by message.send_status of
// that guid; on older imsg the chat's history is read, excluding guids other parts own.
const friend = "+15555550123";
const apology = "Sorry, something went wrong on my side.";
const channel = { dmPolicy: "open", allowFrom: ["*"], errorReply: apology };
const tracked = ["--bridge", "up"];

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

interface PartRow {
  id: number;
  state: string;
  mode: string | null;
  message_guid: string | null;
  origin: string;
  kind: string;
  detail: string | null;
}

function parts(world: GatewayHarness): PartRow[] {
  return world.stateRows<PartRow>(
    "SELECT id, state, mode, message_guid, origin, kind, detail FROM outbound_part ORDER BY id",
  );
}

/** Our rows in chat.db with their guids (lowercase), oldest first. */
function sentGuids(world: GatewayHarness): Array<{ text: string; guid: string }> {
  return world
    .query<{ text: string; guid: string }>(
      "SELECT IFNULL(text, '') AS text, LOWER(guid) AS guid FROM message WHERE is_from_me = 1 ORDER BY ROWID",
    )
    .map((row) => ({ text: row.text, guid: row.guid }));
}

async function answered(world: GatewayHarness, text: string, timeoutMs = 20_000): Promise<void> {
  world.inject({ from: friend, text });
  await world.waitForSent(
    (rows) => rows.some((row) => row.text === `echo: ${text}`),
    `the reply to "${text}"`,
    timeoutMs,
  );
}

/** The first part in one of `states` (a settled tracked part may already be `delivered`). */
async function waitForPart(world: GatewayHarness, states: string | string[], what: string): Promise<PartRow> {
  const wanted = typeof states === "string" ? [states] : states;
  return vi.waitFor(
    () => {
      const found = parts(world).find((part) => wanted.includes(part.state));
      if (!found) throw new Error(`no ${wanted.join("/")} part yet (${what})`);
      return found;
    },
    { timeout: 30_000, interval: 100 },
  );
}

// Restarts and reconciliation windows take seconds each: a loaded machine needs more than the default 30 s.
describe("gateway end to end: tracked sends on imsg 0.15.10 (send.tracked + message.send_status)", {
  timeout: 120_000,
}, () => {
  it("says which mode the account runs in, and names the reply's chat.db row by the part's own guid", async () => {
    harness = await GatewayHarness.create({ channel, imsgVersion: "0.15.10", simArgs: tracked });
    await harness.start();
    await harness.waitForLog(/outbound sends: tracked \(send\.tracked \+ message\.send_status\)/);
    await answered(harness, "hello");
    const [part] = parts(harness);
    expect(part).toMatchObject({ origin: "reply", kind: "text", mode: "tracked" });
    expect(["sent", "delivered"]).toContain(part?.state);
    expect(sentGuids(harness)).toEqual([{ text: "echo: hello", guid: part?.message_guid }]);
  });

  it.each([
    ["may_have_completed", "-32001 may_have_completed"],
    ["still_in_flight", "-32001 still_in_flight, then -32004 until imsg restarts"],
    ["killed", "imsg killed after it wrote the row, before it answered"],
  ])("a send whose answer is lost (%s) is delivered exactly once, by reconciliation", async (outcome, _why) => {
    harness = await GatewayHarness.create({ channel, imsgVersion: "0.15.10", simArgs: tracked });
    await harness.queueFaults(["--fault-mutation", `${outcome}:send.tracked@1`]);
    await harness.start();
    await answered(harness, "first");
    await answered(harness, "second");
    await sleep(500);
    expect(sentGuids(harness).map((row) => row.text)).toEqual(["echo: first", "echo: second"]);
    const settled = parts(harness);
    expect(settled.map((part) => [part.mode, part.state === "sent" || part.state === "delivered"])).toEqual([
      ["tracked", true],
      ["tracked", true],
    ]);
    expect(sentGuids(harness).map((row) => row.guid)).toEqual(settled.map((part) => part.message_guid));
    expect(harness.turns()).toHaveLength(2);
  });

  it("after a gateway SIGKILL while the send's answer was on its way: settled by its guid, not sent again", async () => {
    harness = await GatewayHarness.create({ channel, imsgVersion: "0.15.10", simArgs: tracked });
    // imsg writes each answer 1.5 s late: the reply row is in chat.db while the part is still `sending`.
    await harness.start([], { IMSG_SIM_FAULT_DELAY_MS: "1500" });
    harness.inject({ from: friend, text: "in the window" });
    await harness.waitForSent((rows) => rows.length === 1, "the reply row", 20_000);
    expect(parts(harness).map((part) => part.state)).toEqual(["sending"]);
    await harness.stop("SIGKILL");

    await harness.start();
    const part = await waitForPart(harness, ["sent", "delivered"], "the resumed part");
    await sleep(1_000);
    expect(sentGuids(harness)).toEqual([{ text: "echo: in the window", guid: part.message_guid }]);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["in the window"]);
  });

  it("a pairing code goes through the same outbox: its lost answer is settled by its guid, the code sent once", async () => {
    harness = await GatewayHarness.create({
      channel: { dmPolicy: "pairing" },
      imsgVersion: "0.15.10",
      simArgs: tracked,
    });
    await harness.queueFaults(["--fault-mutation", "may_have_completed:send.tracked@1"]);
    await harness.start();
    harness.inject({ from: "+15555550999", text: "hi, who is this?" });
    await waitForPart(harness, ["sent", "delivered"], "the pairing code");
    await sleep(1_000);
    const codes = harness.sentRows().filter((row) => /Your pairing code is [A-Z0-9]{8}/.test(row.text));
    expect(codes).toHaveLength(1);
    expect(parts(harness)).toEqual([expect.objectContaining({ origin: "pairing", kind: "text", mode: "tracked" })]);
    expect(harness.turns()).toEqual([]);
  });

  it("a part nothing can prove is unknown: reported, never resent by itself, and sent once when the operator says so", async () => {
    harness = await GatewayHarness.create({ channel, imsgVersion: "0.15.10", simArgs: tracked });
    // Mutations wait 4 s before they run: the gateway and imsg both die before this one does.
    await harness.start([], { IMSG_SIM_FAULT_MUTATION_DELAY_MS: "4000" });
    harness.inject({ from: friend, text: "lost in flight" });
    await waitForPart(harness, "sending", "the send on the wire");
    const imsg = await harness.imsgPid();
    await harness.stop("SIGKILL");
    if (imsg) process.kill(imsg, "SIGKILL");

    const mark = harness.logs.length;
    await harness.start();
    const warning = await harness.waitForLog(
      /outbox part \d+ to chat_id:\d+ is unknown \(\\"echo: lost in flight\\"\)/,
      30_000,
      mark,
    );
    expect(warning).toMatch(/imessage-channel outbox resolve \d+ --sent\|--resend\|--drop/);
    const unknown = await waitForPart(harness, "unknown", "the unproved part");
    // The turn committed anyway: later messages are answered, the unknown part is not sent again.
    await answered(harness, "next");
    await sleep(6_000); // longer than a sweep
    expect(sentGuids(harness).map((row) => row.text)).toEqual(["echo: next"]);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["lost in flight", "next"]);

    // The operator checked the chat: resend it. The sweep sends it under the same guid, once.
    const listed = await harness.cli(["outbox", "list", "--state", "unknown", "--json"]);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: unknown.id, state: "unknown" })]);
    const resolved = await harness.cli(["outbox", "resolve", String(unknown.id), "--resend"]);
    expect(resolved).toMatchObject({ code: 0 });
    expect(resolved.stdout).toContain(`part ${unknown.id} will be sent again`);
    await harness.waitForSent(
      (rows) => rows.some((row) => row.text === "echo: lost in flight"),
      "the resent part",
      20_000,
    );
    await sleep(6_000);
    expect(sentGuids(harness).map((row) => row.text)).toEqual(["echo: next", "echo: lost in flight"]);
    expect(sentGuids(harness)[1]?.guid).toBe(unknown.message_guid);
  });
});

describe("gateway end to end: history lookups on imsg 0.9.0 across a restart", { timeout: 120_000 }, () => {
  it("identical consecutive chunks are neither doubled nor skipped when the gateway is killed mid-reply", async () => {
    const agent: AgentHandler = (_turn, response) => sendJson(response, 200, { text: "same\n\nsame\n\nsame" });
    harness = await GatewayHarness.create({
      channel: { ...channel, chunkMode: "newline" },
      imsgVersion: "0.9.0",
      agent,
    });
    await harness.start([], { IMSG_SIM_FAULT_DELAY_MS: "1500" });
    harness.inject({ from: friend, text: "say it thrice" });
    // Killed while the second "same" is in chat.db and its answer still on its way.
    await harness.waitForSent((rows) => rows.length === 2, "two of the three chunks", 20_000);
    await harness.stop("SIGKILL");

    await harness.start();
    await vi.waitFor(() => expect(parts(harness!).map((part) => part.state)).toEqual(["sent", "sent", "sent"]), {
      timeout: 30_000,
      interval: 200,
    });
    await sleep(1_000);
    expect(harness.sentRows().map((row) => row.text)).toEqual(["same", "same", "same"]);
    expect(harness.turns()).toHaveLength(1);
  });

  it("a file reply is not sent again after the gateway is killed while imsg wrote it", async () => {
    const agent: AgentHandler = (_turn, response) =>
      sendJson(response, 200, {
        text: "here it is",
        attachments: [{ base64: Buffer.from("quarterly numbers").toString("base64"), filename: "report.txt" }],
      });
    harness = await GatewayHarness.create({ channel, imsgVersion: "0.9.0", agent });
    await harness.start([], { IMSG_SIM_FAULT_DELAY_MS: "1500" });
    harness.inject({ from: friend, text: "the report please" });
    await vi.waitFor(
      () => {
        const files = harness!.query<{ n: number }>(
          "SELECT COUNT(*) AS n FROM attachment WHERE transfer_name = 'report.txt'",
        )[0];
        if (!files?.n) throw new Error("the file row is not there yet");
      },
      { timeout: 20_000, interval: 50 },
    );
    await harness.stop("SIGKILL");

    await harness.start();
    await vi.waitFor(
      () =>
        expect(parts(harness!).map((part) => [part.kind, part.state])).toEqual([
          ["text", "sent"],
          ["file", "sent"],
        ]),
      { timeout: 30_000, interval: 200 },
    );
    await sleep(1_000);
    const files = harness.query<{ n: number }>(
      "SELECT COUNT(*) AS n FROM attachment WHERE transfer_name = 'report.txt'",
    );
    expect(files[0]?.n).toBe(1);
    expect(harness.sentRows().filter((row) => row.text === "here it is")).toHaveLength(1);
    expect(harness.turns()).toHaveLength(1);
  });
});
