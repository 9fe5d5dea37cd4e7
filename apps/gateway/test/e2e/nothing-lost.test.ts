// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { readFileSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import { waitFor } from "@imessage-channel/agents/test-support";
import { type AccountStatus, statusFilePath } from "@imessage-channel/channel";
import { stateDatabasePath } from "@imessage-channel/state";
import { afterEach, describe, expect, it } from "vitest";
import { type AgentHandler, echoHandler, GatewayHarness } from "../test-support/gateway-harness.ts";

const friend = "+15555550123";
const open = { dmPolicy: "open", allowFrom: ["*"] };

let harness: GatewayHarness | undefined;
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await harness?.dispose();
  harness = undefined;
});

function readStatus(world: GatewayHarness): AccountStatus | undefined {
  try {
    return JSON.parse(readFileSync(statusFilePath(world.stateDir, "default"), "utf8")) as AccountStatus;
  } catch {
    return undefined; // not written yet, or caught mid-rename
  }
}

function waitForStatus(
  world: GatewayHarness,
  state: AccountStatus["state"],
  timeoutMs = 15_000,
): Promise<AccountStatus> {
  return waitFor(
    `the status file to say ${state}`,
    () => {
      const status = readStatus(world);
      return status?.state === state ? status : undefined;
    },
    timeoutMs,
  );
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function journalStates(world: GatewayHarness, guids: string[]): Array<string | undefined> {
  return guids.map(
    (guid) => world.stateRows<{ state: string }>("SELECT state FROM inbound_journal WHERE guid = ?", guid)[0]?.state,
  );
}

/** Answers once the reply to `text` is in chat.db: every earlier row of the chat was answered before it. */
async function answerToSentinel(world: GatewayHarness, text: string): Promise<void> {
  world.inject({ from: friend, text });
  await world.waitForSent((rows) => rows.some((row) => row.text === `echo: ${text}`), `the reply to "${text}"`, 20_000);
}

describe("gateway end to end: a locked or full state.db delays rows, never loses them", () => {
  it("another process holds state.db's write lock: rows wait, the status says why, the gateway stays responsive, then each row is answered once", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.start(["--metrics-port", "0"]);
    const metricsLine = await harness.waitForLog(/metrics on http:\/\/127\.0\.0\.1:\d+\//);
    const port = Number(/127\.0\.0\.1:(\d+)\//.exec(metricsLine)?.[1]);
    harness.inject({ from: friend, text: "before the lock" });
    await harness.waitForSent((rows) => rows.length === 1, "the first reply");

    // Another process (here: this test's own connection) takes state.db's write lock and keeps it.
    const lock = new DatabaseSync(stateDatabasePath(harness.stateDir), { timeout: 5_000 });
    lock.exec("BEGIN IMMEDIATE");
    cleanups.push(() => {
      if (lock.isOpen && lock.isTransaction) lock.exec("ROLLBACK");
      if (lock.isOpen) lock.close();
    });
    const texts = ["locked 1", "locked 2", "locked 3", "locked 4"];
    const injected = texts.map((text) => harness!.inject({ from: friend, text }));

    const degraded = await waitForStatus(harness, "degraded");
    expect(degraded.reason).toBe("state.db not writable (database is locked)");
    // The event loop is not frozen behind the lock: /healthz answers, and the status file keeps being rewritten.
    const asked = performance.now();
    const health = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(performance.now() - asked).toBeLessThan(2_000);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ accounts: [{ state: "degraded", reason: degraded.reason }] });
    await waitFor("a newer status file while locked", () => {
      const status = readStatus(harness!);
      return status !== undefined && status.updatedAt > degraded.updatedAt && status.state === "degraded";
    });
    // Nothing went through the lock, and nothing was given up: no row is in the journal or reached the agent.
    expect(
      journalStates(
        harness,
        injected.map((row) => row.guid),
      ),
    ).toEqual([undefined, undefined, undefined, undefined]);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["before the lock"]);

    lock.exec("ROLLBACK");
    lock.close();
    await harness.waitSettled(
      injected.map((row) => row.guid),
      "every row that waited",
      20_000,
    );
    await answerToSentinel(harness, "after the lock");
    expect(countBy(harness.turns().map((turn) => String(turn.text)))).toEqual({
      "before the lock": 1,
      "locked 1": 1,
      "locked 2": 1,
      "locked 3": 1,
      "locked 4": 1,
      "after the lock": 1,
    });
    expect(harness.sentRows()).toHaveLength(6);
    await waitForStatus(harness, "connected");
  });

  it("state.db cannot grow (a full disk): rows wait, the status says why, and once there is room each row is answered once", async () => {
    harness = await GatewayHarness.create({ channel: open });
    // No file the gateway writes may grow past 2 MB (the soft file-size limit of its process, as a full disk).
    const limit = 2 * 1024 * 1024;
    await harness.start([], {}, { fileSizeLimitBytes: limit });
    harness.inject({ from: friend, text: "before the disk filled" });
    await harness.waitForSent((rows) => rows.length === 1, "the first reply");

    // Another writer fills state.db's write-ahead log past that size: the gateway's next write finds no room.
    const filler = new DatabaseSync(stateDatabasePath(harness.stateDir), { timeout: 5_000 });
    cleanups.push(() => {
      if (filler.isOpen) filler.close();
    });
    filler.exec("PRAGMA wal_autocheckpoint = 0");
    filler.exec("CREATE TABLE test_filler (bytes BLOB)");
    filler.prepare("INSERT INTO test_filler (bytes) VALUES (zeroblob(?))").run(3 * limit);

    const texts = ["full 1", "full 2", "full 3"];
    const injected = texts.map((text) => harness!.inject({ from: friend, text }));
    const degraded = await waitForStatus(harness, "degraded");
    expect(degraded.reason).toMatch(/^state\.db not writable \((disk I\/O error|database or disk is full)\)$/);
    expect(
      journalStates(
        harness,
        injected.map((row) => row.guid),
      ),
    ).toEqual([undefined, undefined, undefined]);
    expect(harness.turns().map((turn) => turn.text)).toEqual(["before the disk filled"]);

    // Room again: the filler goes and the log is checkpointed and truncated, as freeing disk space would.
    filler.exec("DROP TABLE test_filler");
    expect(filler.prepare("PRAGMA wal_checkpoint(TRUNCATE)").get()).toMatchObject({ busy: 0 });
    filler.close();
    await harness.waitSettled(
      injected.map((row) => row.guid),
      "every row that waited",
      20_000,
    );
    await answerToSentinel(harness, "after there is room");
    expect(countBy(harness.turns().map((turn) => String(turn.text)))).toEqual({
      "before the disk filled": 1,
      "full 1": 1,
      "full 2": 1,
      "full 3": 1,
      "after there is room": 1,
    });
    await waitForStatus(harness, "connected");
  });
});

describe("gateway end to end: restart recovery with catchup off (the default)", () => {
  it("answers rows that arrived while it was stopped (SIGTERM) once after the restart, but not one older than maxInboundAgeMinutes", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.start();
    harness.inject({ from: friend, text: "before the stop" });
    await harness.waitForSent((rows) => rows.length === 1, "the first reply");
    expect(await harness.stop("SIGTERM")).toBe(0);

    // iCloud sync can write an old message under a new rowid: the age fence (120 min by default) keeps it out.
    const stale = harness.inject({
      from: friend,
      text: "synced from three hours ago",
      date: new Date(Date.now() - 3 * 60 * 60_000),
    });
    const missed = ["while stopped 1", "while stopped 2"].map((text) => harness!.inject({ from: friend, text }));
    const mark = harness.logs.length;
    await harness.start();
    await harness.waitSettled(
      missed.map((row) => row.guid),
      "both rows that arrived while stopped",
    );
    await harness.waitForLog(new RegExp(`dropped: row ${stale.rowid} is \\d+ min old`), 10_000, mark);
    await answerToSentinel(harness, "after the restart");
    expect(harness.turns().map((turn) => turn.text)).toEqual([
      "before the stop",
      "while stopped 1",
      "while stopped 2",
      "after the restart",
    ]);
    expect(harness.sentRows().map((row) => row.text)).toEqual([
      "echo: before the stop",
      "echo: while stopped 1",
      "echo: while stopped 2",
      "echo: after the restart",
    ]);
  });

  it("answers what arrived while it was stopped also when nothing had come before (a first start on an empty chat.db)", async () => {
    harness = await GatewayHarness.create({ channel: open });
    await harness.start();
    expect(await harness.stop("SIGTERM")).toBe(0);
    const missed = harness.inject({ from: friend, text: "while stopped" });
    await harness.start();
    await harness.waitSettled([missed.guid], "the row that arrived while stopped");
    await answerToSentinel(harness, "after the restart");
    expect(harness.turns().map((turn) => turn.text)).toEqual(["while stopped", "after the restart"]);
  });

  it("after kill -9, answers once the row the killed gateway had claimed but not finished, and the rows that came while it was down", async () => {
    let stall = true;
    const agent: AgentHandler = async (turn, response, request) => {
      if (stall && turn.text === "interrupted") return; // never answers: the gateway dies waiting
      await echoHandler(turn, response, request);
    };
    harness = await GatewayHarness.create({ channel: open, agent });
    await harness.start();
    harness.inject({ from: friend, text: "answered" });
    await harness.waitForSent((rows) => rows.length === 1, "the first reply");
    const interrupted = harness.inject({ from: friend, text: "interrupted" });
    await waitFor("the agent to get the interrupted turn", () =>
      harness?.turns().some((turn) => turn.text === "interrupted"),
    );
    expect(journalStates(harness, [interrupted.guid])).toEqual(["claimed"]);
    await harness.stop("SIGKILL");

    const whileDown = harness.inject({ from: friend, text: "while down" });
    stall = false;
    await harness.start();
    await harness.waitSettled([interrupted.guid, whileDown.guid], "the claimed row and the row from the downtime");
    await answerToSentinel(harness, "after the restart");
    expect(harness.sentRows().map((row) => row.text)).toEqual([
      "echo: answered",
      "echo: interrupted",
      "echo: while down",
      "echo: after the restart",
    ]);
    // The agent saw "interrupted" once before the kill (no answer) and once after it.
    expect(countBy(harness.turns().map((turn) => String(turn.text)))).toEqual({
      answered: 1,
      interrupted: 2,
      "while down": 1,
      "after the restart": 1,
    });
  });
});
