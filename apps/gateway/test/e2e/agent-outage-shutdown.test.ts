// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sendJson, waitFor } from "@imessage-channel/agents/test-support";
import { agentUnavailableNotice } from "@imessage-channel/channel";
import { defaults } from "@imessage-channel/config";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };
/** The gateway's backoff between attempts at an unavailable agent, short so the tests run in seconds. */
const fastRetry = { initialDelayMs: 50, maxDelayMs: 200 };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Points the harness's webhook agent at its loopback server, with `agents.retry` and any top-level keys. */
async function configure(
  world: GatewayHarness,
  channel: Record<string, unknown>,
  retry: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await world.writeConfig({
    channel,
    config: {
      agents: {
        list: [
          {
            id: "main",
            default: true,
            runtime: { type: "webhook", url: `${world.agent.url}/turn`, timeoutMs: 10_000 },
          },
        ],
        retry,
      },
      ...extra,
    },
  });
}

function requestsFor(world: GatewayHarness, text: string): number {
  return world.turns().filter((turn) => turn.text === text).length;
}

function journalState(world: GatewayHarness, guid: string): string | undefined {
  return world.stateRows<{ state: string }>("SELECT state FROM inbound_journal WHERE guid = ?", guid)[0]?.state;
}

function sentTexts(world: GatewayHarness): string[] {
  return world.sentRows().map((row) => row.text);
}

describe("gateway end to end: an agent that is down, and a bounded shutdown", () => {
  it("keeps every message sent during an agent outage and answers each once when it is back, with one notice", async () => {
    let down = true;
    const answered: string[] = [];
    const agent: AgentHandler = (turn, response) => {
      if (down) return sendJson(response, 500, { error: "upstream down" });
      answered.push(String(turn.text));
      sendJson(response, 200, { text: `echo: ${String(turn.text)}` });
    };
    harness = await GatewayHarness.create({ channel: open, agent });
    await configure(harness, open, fastRetry);
    await harness.start();

    const during = ["outage 1", "outage 2", "outage 3"];
    const rows = during.map((text) => harness!.inject({ from: friend, text }));
    await harness.waitForSent((sent) => sent.some((row) => row.text === agentUnavailableNotice), "the notice");
    // Still down over several attempts of the gateway (each is the webhook's three quick tries): the rows stay
    // claimed, the later ones wait behind the first, and nobody gets an apology.
    await waitFor("three attempts at the first row", () => requestsFor(harness!, "outage 1") >= 9, 20_000);
    expect(rows.map((row) => journalState(harness!, row.guid))).toEqual(["claimed", "claimed", "claimed"]);
    expect(sentTexts(harness)).toEqual([agentUnavailableNotice]);

    down = false;
    await harness.waitSettled(
      rows.map((row) => row.guid),
      "every outage row answered and committed",
      30_000,
    );
    expect(answered).toEqual(during);
    expect(requestsFor(harness, "outage 2")).toBe(1);
    expect(requestsFor(harness, "outage 3")).toBe(1);
    expect(sentTexts(harness)).toEqual([agentUnavailableNotice, "echo: outage 1", "echo: outage 2", "echo: outage 3"]);
  });

  it("settles a permanent 4xx at once with the error reply, while a 429 is retried until it is answered", async () => {
    let busyRefusals = 0;
    const agent: AgentHandler = (turn, response) => {
      if (turn.text === "bad request") return sendJson(response, 400, { error: "no" });
      if (turn.text === "busy" && busyRefusals++ < 4) return sendJson(response, 429, { error: "slow down" });
      sendJson(response, 200, { text: `echo: ${String(turn.text)}` });
    };
    harness = await GatewayHarness.create({ channel: open, agent });
    await configure(harness, open, fastRetry);
    await harness.start();

    const bad = harness.inject({ from: friend, text: "bad request" });
    await harness.waitSettled([bad.guid], "the 400 settled");
    await harness.waitForSent((sent) => sent.length > 0, "the error reply");
    expect(requestsFor(harness, "bad request")).toBe(1);
    expect(sentTexts(harness)).toEqual([defaults.errorReply]);

    // The webhook's quick tries all meet 429, so the gateway retries the turn itself; the same session's next
    // row waits behind it and is answered after it.
    const busy = harness.inject({ from: friend, text: "busy" });
    const after = harness.inject({ from: friend, text: "after" });
    await harness.waitSettled([busy.guid, after.guid], "the 429 answered", 20_000);
    expect(requestsFor(harness, "busy")).toBe(5);
    expect(requestsFor(harness, "bad request")).toBe(1);
    expect(journalState(harness, bad.guid)).toBe("committed");
    expect(sentTexts(harness)).toEqual([defaults.errorReply, agentUnavailableNotice, "echo: busy", "echo: after"]);
  });

  it("answers with the error reply only once the retry window has run out", async () => {
    const agent: AgentHandler = (_turn, response) => sendJson(response, 503, {});
    harness = await GatewayHarness.create({ channel: open, agent });
    // A 1.2 s window: short enough that no notice is sent, long enough for several attempts.
    await configure(harness, open, { ...fastRetry, maxMinutes: 0.02 });
    await harness.start();
    const row = harness.inject({ from: friend, text: "anyone?" });
    await harness.waitSettled([row.guid], "the row settled after the window", 20_000);
    await harness.waitForSent((sent) => sent.length > 0, "the error reply");
    expect(requestsFor(harness, "anyone?")).toBeGreaterThan(3);
    expect(sentTexts(harness)).toEqual([defaults.errorReply]);
  });

  it("SIGTERM with queued slow turns exits within shutdown.timeoutSeconds; after a restart each row is answered once", async () => {
    const budgetMs = 2000;
    let slow = true;
    const answered: string[] = [];
    const cutOff: string[] = [];
    const agent: AgentHandler = (turn, response) => {
      if (slow) {
        // Never answers: only the gateway cancelling the request (its AbortSignal) ends it.
        response.on("close", () => {
          if (!response.writableEnded) cutOff.push(String(turn.text));
        });
        return;
      }
      answered.push(String(turn.text));
      sendJson(response, 200, { text: `echo: ${String(turn.text)}` });
    };
    harness = await GatewayHarness.create({ channel: open, agent });
    await configure(harness, open, fastRetry, { shutdown: { timeoutSeconds: budgetMs / 1000 } });
    await harness.start();

    const texts = ["slow 1", "slow 2", "slow 3", "slow 4"];
    const rows = texts.map((text) => harness!.inject({ from: friend, text }));
    await waitFor("the first turn at the agent", () => requestsFor(harness!, "slow 1") === 1);
    await waitFor("all four rows claimed and queued", () =>
      rows.every((row) => journalState(harness!, row.guid) === "claimed"),
    );

    const signalledAt = Date.now();
    const exited = harness.stop("SIGTERM");
    const code = await Promise.race([
      exited,
      new Promise((resolve) => setTimeout(() => resolve("still running"), budgetMs + 1500)),
    ]);
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(budgetMs + 1500);
    expect(harness.logs.some((line) => line.includes("cancelled by shutdown before it finished"))).toBe(true);
    expect(harness.logs.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
    await waitFor("the agent's request to be cut off", () => cutOff.includes("slow 1"));
    expect(requestsFor(harness, "slow 2")).toBe(0);
    expect(sentTexts(harness)).toEqual([]);
    // Nothing was committed: each row is released for the next start.
    expect(rows.map((row) => journalState(harness!, row.guid))).toEqual(texts.map(() => "released"));

    slow = false;
    await harness.start();
    await harness.waitSettled(
      rows.map((row) => row.guid),
      "every row answered after the restart",
      20_000,
    );
    expect(answered).toEqual(texts);
    expect(sentTexts(harness)).toEqual(texts.map((text) => `echo: ${text}`));
  });

  it("with catchup on, counts each failed attempt at a replayed row toward maxFailureRetries and gives up", async () => {
    const agent: AgentHandler = (_turn, response) => sendJson(response, 500, {});
    const channel = { ...open, catchup: { enabled: true, maxFailureRetries: 3 } };
    harness = await GatewayHarness.create({ channel, agent });
    await configure(harness, channel, fastRetry);
    await harness.start();
    await harness.waitForLog(/imessage catchup: replayed=/);
    expect(await harness.stop("SIGTERM")).toBe(0);

    const missed = harness.inject({ from: friend, text: "while down" });
    await harness.start();
    await harness.waitForLog(
      new RegExp(`imessage catchup: giving up on guid=${missed.guid} after 3 failures; advancing cursor past it`),
      30_000,
    );
    await harness.waitSettled([missed.guid], "the given-up row settled");
    await harness.waitForSent((sent) => sent.length > 1, "the notice and the error reply");
    await harness.waitForLog(/imessage catchup: replayed=0 skippedFromMe=\d+ skippedGivenUp=0 failed=0 givenUp=1/);
    // Three counted attempts of the gateway, each the webhook's three quick tries (the resumed live stream may
    // have begun one attempt before catchup met the row in flight).
    expect(requestsFor(harness, "while down")).toBeGreaterThanOrEqual(9);
    expect(requestsFor(harness, "while down")).toBeLessThanOrEqual(12);
    expect(sentTexts(harness)).toEqual([agentUnavailableNotice, defaults.errorReply]);
    const catchupDir = join(harness.stateDir, "imessage", "catchup");
    const [cursorName] = readdirSync(catchupDir).filter((name) => name.endsWith(".json"));
    const cursor = JSON.parse(readFileSync(join(catchupDir, cursorName!), "utf8")) as {
      lastSeenRowid: number;
      failureRetries: Record<string, number>;
    };
    expect(cursor.failureRetries[missed.guid]).toBe(3);
    expect(cursor.lastSeenRowid).toBeGreaterThanOrEqual(missed.rowid);
  });
});
