// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";
import { waitFor } from "@imessage-channel/agents/test-support";
import { type AccountStatus, statusFilePath } from "@imessage-channel/channel";
import { type InjectOptions, injectTogether, readRequestLog } from "@imessage-channel/imsg-sim";
import { stateDatabasePath } from "@imessage-channel/state";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, echoHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;

/** Restart recovery (the saved live cursor) would stream missed rows too: without it, only catchup can. */
function forgetLiveCursor(stateDir: string): void {
  const state = new DatabaseSync(stateDatabasePath(stateDir));
  state.exec("DELETE FROM meta WHERE key LIKE 'live-cursor:%'");
  state.close();
}

/** The agent answers backlog rows with 204 (no reply), so the test measures catchup, not 2,000 sends. */
const quietForBacklog: AgentHandler = async (turn, response, request) => {
  if (String(turn.text).startsWith("backlog ")) {
    response.writeHead(204).end();
    return;
  }
  await echoHandler(turn, response, request);
};
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
    forgetLiveCursor(harness.stateDir);
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

describe.each([
  { imsgVersion: "0.15.10", method: "messages.after", other: "messages.history", backlog: 2000, tooOld: 5 },
  // messages.history is asked from the age fence on: imsg never returns the old rows, so none is counted.
  { imsgVersion: "0.9.0", method: "messages.history", other: "messages.after", backlog: 600, tooOld: 0 },
])(
  "gateway end to end: a backlog past perRunLimit on imsg $imsgVersion",
  ({ imsgVersion, method, other, backlog, tooOld }) => {
    it(`drains ${backlog} missed rows with ${method} in passes of perRunLimit=50 without a restart, each row once, and reports rows skipped for age`, async () => {
      harness = await GatewayHarness.create({
        channel: { ...open, catchup: { enabled: true, perRunLimit: 50 } },
        imsgVersion,
        agent: quietForBacklog,
      });
      const requestLog = await harness.requestLogPath();
      const simEnv = { IMSG_SIM_REQUEST_LOG: requestLog };
      await harness.start([], simEnv);
      await harness.waitForLog(/imessage catchup: replayed=/);
      // A live row moves the catchup cursor off rowid 0, so the next start resumes from a rowid.
      harness.inject({ from: friend, text: "while up" });
      await harness.waitForSent((rows) => rows.length === 1, "the live reply");
      expect(await harness.stop("SIGTERM")).toBe(0);

      // While down: the backlog from 20 people, and 5 rows iCloud wrote under new rowids with 3-hour-old dates.
      const rows: InjectOptions[] = [];
      for (let index = 1; index <= backlog; index += 1) {
        rows.push({ from: `+1555555${1000 + (index % 20)}`, text: `backlog ${index}` });
        if (index % (backlog / 5) === 0)
          rows.push({ from: friend, text: `icloud ${index}`, date: new Date(Date.now() - 3 * 3_600_000) });
      }
      const home = harness.home;
      injectTogether(
        harness.dbPath,
        rows.map((row) => ({ home, ...row })),
      );
      forgetLiveCursor(harness.stateDir);
      const mark = readRequestLog(requestLog).length;
      const startMark = harness.logs.length;
      await harness.start([], simEnv);

      const drained = await harness.waitForLog(
        new RegExp(
          `imessage catchup: backlog drained in \\d+ passes: replayed=\\d+ skippedTooOld=${tooOld} failed=0 givenUp=0`,
        ),
        180_000,
        startMark,
      );
      const passes = Number(/drained in (\d+) passes/.exec(drained)?.[1]);
      // Rows past where the stream subscribed come live, the rest in passes of 50.
      expect(passes).toBeGreaterThanOrEqual(backlog / 50 - 1);
      const turns = harness.turns().filter((turn) => String(turn.text).startsWith("backlog "));
      expect(turns).toHaveLength(backlog);
      expect(new Set(turns.map((turn) => turn.text)).size).toBe(backlog);
      expect(harness.turns().some((turn) => String(turn.text).startsWith("icloud "))).toBe(false);
      const lines = harness.logs.slice(startMark);
      expect(lines.filter((line) => line.includes("capped to perRunLimit=50"))).toHaveLength(passes - 1);
      expect(lines.some((line) => line.includes(`imessage catchup: reading with ${method}`))).toBe(true);

      // Which imsg method this start's catchup read with: one of the two, never both. Catchup's history pages carry
      // `start` (the age fence); the gateway's other messages.history reads (one row of a chat) do not.
      const requests = readRequestLog(requestLog)
        .slice(mark)
        .flatMap((record) => (record.kind === "rpc" ? [record] : []));
      const catchupReads = (name: string) =>
        requests.filter(
          (record) =>
            record.method === name &&
            (name === "messages.after" || (record.params as Record<string, unknown> | undefined)?.start !== undefined),
        );
      expect(catchupReads(method).length).toBeGreaterThanOrEqual(method === "messages.after" ? backlog / 500 : 20);
      expect(catchupReads(other)).toEqual([]);

      // The status file: the drain's source and nothing pending; the age skips among the dropped counters.
      const status = await waitFor(
        "the status file to show the drained catchup",
        () => {
          const written = JSON.parse(
            readFileSync(statusFilePath(harness!.stateDir, "default"), "utf8"),
          ) as AccountStatus;
          return written.catchup?.passes === passes ? written : undefined;
        },
        10_000,
      );
      expect(status.catchup).toEqual({ source: method, passes, pending: 0, unread: false });
      expect(status.counters.dropped["catchup-too-old"]).toBe(tooOld || undefined);
    }, 240_000);
  },
);
