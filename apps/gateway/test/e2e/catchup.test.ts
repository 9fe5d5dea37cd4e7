// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { stateDatabasePath } from "@imessage-channel/state";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, echoHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

describe("gateway end to end: downtime", () => {
  it("with catchup on, replays what arrived while down, once, and logs the reference's summary line", async () => {
    harness = await GatewayHarness.create({ channel: { ...open, catchup: { enabled: true } } });
    await harness.start();
    // The first start's pass looks back 30 minutes: let it finish so "while up" is plainly live.
    await harness.waitForLog(/imessage catchup: replayed=/);
    harness.inject({ from: friend, text: "while up" });
    await harness.waitForSent((rows) => rows.length === 1, "the live reply");
    expect(await harness.stop("SIGTERM")).toBe(0);

    harness.inject({ from: friend, text: "while down 1" });
    harness.inject({ from: friend, text: "while down 2" });
    // Restart recovery (the saved live cursor) would stream these rows too: without it, only catchup can.
    const state = new DatabaseSync(stateDatabasePath(harness.stateDir));
    state.exec("DELETE FROM meta WHERE key LIKE 'live-cursor:%'");
    state.close();
    await harness.start();
    await harness.waitForSent((rows) => rows.length === 3, "replies to both missed rows", 15_000);
    await harness.waitForLog(
      /imessage catchup: replayed=2 skippedFromMe=\d+ skippedGivenUp=0 failed=0 givenUp=0 fetchedCount=\d+/,
    );
    await sleep(300);
    expect(harness.turns().map((turn) => [turn.text, turn.replayed])).toEqual([
      ["while up", false],
      ["while down 1", true],
      ["while down 2", true],
    ]);
  });

  it("kill -9 of the gateway mid-turn: with catchup on the row is answered after restart, and only once", async () => {
    let stall = true;
    const agent: AgentHandler = async (turn, response, request) => {
      if (stall && turn.text === "interrupted") return; // never answers: the gateway dies waiting
      await echoHandler(turn, response, request);
    };
    harness = await GatewayHarness.create({ channel: { ...open, catchup: { enabled: true } }, agent });
    await harness.start();
    harness.inject({ from: friend, text: "answered" });
    await harness.waitForSent((rows) => rows.length === 1, "the first reply");
    harness.inject({ from: friend, text: "interrupted" });
    await harness.waitForLog(
      /Inbound message/,
      10_000,
      harness.logs.findIndex((line) => line.includes("answered")) + 1,
    );
    await sleep(200);
    await harness.stop("SIGKILL");

    stall = false;
    await harness.start();
    await harness.waitForSent(
      (rows) => rows.some((row) => row.text === "echo: interrupted"),
      "the replayed reply",
      15_000,
    );
    await sleep(500);
    const texts = harness.sentRows().map((row) => row.text);
    expect(texts.filter((text) => text === "echo: answered")).toHaveLength(1);
    expect(texts.filter((text) => text === "echo: interrupted")).toHaveLength(1);
  });

  it("kill -9 after the reply went out but before the turn committed: the recorded reply is not sent again, nor the agent asked again", async () => {
    harness = await GatewayHarness.create({ channel: { ...open, catchup: { enabled: true } } });
    // imsg writes each answer 1.5 s late: the reply row exists while the gateway still waits for the send's answer.
    await harness.start([], { IMSG_SIM_FAULT_DELAY_MS: "1500" });
    await harness.waitForLog(/imessage catchup: replayed=/, 15_000);
    harness.inject({ from: friend, text: "in the window" });
    await harness.waitForSent((rows) => rows.length === 1, "the reply row", 15_000);
    await harness.stop("SIGKILL");

    await harness.start();
    await harness.waitForLog(/delivering a reply recorded before a restart/, 15_000);
    // Restart recovery streams the row too: whichever path takes it first, catchup replays or skips it, once.
    await harness.waitForLog(/imessage catchup: replayed=[01] /, 15_000);
    await sleep(500);
    expect(harness.sentRows().map((row) => row.text)).toEqual(["echo: in the window"]);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["in the window"]);
  });
});
