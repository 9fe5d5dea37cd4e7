// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { readRequestLog } from "@imessage-channel/imsg-sim";
import { recordingLogger } from "@imessage-channel/kit";
import type { ImsgClient, Message } from "@imessage-channel/rpc-client";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CatchupOptionsInput } from "./catchup-options.ts";
import { cursorFilePath } from "./cursor-file-path.ts";
import { type CursorFile, CursorStore } from "./cursor-store.ts";
import { type CatchupPassReport, runCatchup } from "./run-catchup.ts";
import { minuteMs, type SimWorld, simWorld, testNowMs } from "./test-support/sim-world.ts";

const identity = { transport: "local", cliPath: "imsg-sim", dbPath: "chat.db" };
const alice = "+15555550101";
const bob = "+15555550102";

/** Both protocol generations: `messages.after` from the saved cursor on 0.14+, `messages.history` per chat before. */
const generations = [
  { imsgVersion: "0.15.10", method: "messages.after" },
  { imsgVersion: "0.9.0", method: "messages.history" },
] as const;

let world: SimWorld;
let client: ImsgClient;
/** What the connection negotiated (`initialize`): undefined on 0.9.0, which has no `initialize`. */
let methods: readonly string[] | undefined;

interface Pass {
  dispatched: Message[];
  lines: string[];
  counters: Awaited<ReturnType<typeof runCatchup>>;
  reports: CatchupPassReport[];
}

/** One start of the gateway: open the cursor, run the pass with a recording dispatch. */
async function pass(
  options: CatchupOptionsInput = {},
  extra: {
    nowMs?: number;
    failGuids?: Set<string>;
    pageSize?: number;
    handled?: Set<string>;
    signal?: AbortSignal;
    onDispatch?: (row: Message) => void;
  } = {},
): Promise<Pass> {
  const lines: string[] = [];
  const logger = recordingLogger(lines);
  const cursorStore = await CursorStore.open({ stateDir: world.stateDir, accountId: "default", identity, logger });
  const dispatched: Message[] = [];
  const reports: CatchupPassReport[] = [];
  const counters = await runCatchup({
    imsg: client,
    methods,
    cursorStore,
    dispatch: async (row) => {
      dispatched.push(row);
      extra.onDispatch?.(row);
      if (extra.failGuids?.has(row.guid)) throw new Error("agent backend exploded");
    },
    options: { enabled: true, ...options },
    now: () => extra.nowMs ?? testNowMs,
    logger,
    passPauseMs: 0,
    onPass: (report) => reports.push(report),
    ...(extra.handled ? { isHandled: (guid: string) => extra.handled!.has(guid) } : {}),
    ...(extra.pageSize ? { historyPageSize: extra.pageSize, afterPageSize: extra.pageSize } : {}),
    ...(extra.signal ? { signal: extra.signal } : {}),
  });
  return { dispatched, lines, counters, reports };
}

function cursorFile(): CursorFile {
  return JSON.parse(readFileSync(cursorFilePath(world.stateDir, "default", identity), "utf8")) as CursorFile;
}

const texts = (rows: Message[]) => rows.map((row) => row.text);

describe.each(generations)("runCatchup against imsg-sim $imsgVersion ($method)", ({ imsgVersion, method }) => {
  beforeEach(async () => {
    world = simWorld(imsgVersion);
    client = await world.connect();
    methods = (await client.initialize()).methods;
  });

  afterEach(async () => {
    await world.close();
  });

  it("replays rows missed while down once, oldest first, across chats", async () => {
    world.receive(alice, "before 1", 20);
    world.receive(bob, "before 2", 15);
    const first = await pass();
    expect(texts(first.dispatched)).toEqual(["before 1", "before 2"]);

    world.receive(alice, "gap 1", 10);
    world.receive(bob, "gap 2", 8);
    world.receive(alice, "gap 3", 5);
    const second = await pass();
    expect(texts(second.dispatched)).toEqual(["gap 1", "gap 2", "gap 3"]);
    expect(second.lines).toContain(
      `info imessage catchup: replayed=3 skippedFromMe=0 skippedGivenUp=0 failed=0 givenUp=0 fetchedCount=3 skippedTooOld=0 pending=0 source=${method}`,
    );

    const third = await pass();
    expect(third.dispatched).toEqual([]);
    expect(cursorFile().lastSeenRowid).toBe(second.dispatched[2]!.id);
  });

  it("skips our own rows and moves the cursor past them", async () => {
    world.receive(alice, "hello", 10);
    world.receive(alice, "my reply", 9, { isFromMe: true });
    world.receive(alice, "thanks", 8);
    const first = await pass();
    expect(texts(first.dispatched)).toEqual(["hello", "thanks"]);
    expect(first.counters).toMatchObject({ replayed: 2, skippedFromMe: 1, fetchedCount: 3 });
    world.receive(alice, "my last word", 7, { isFromMe: true });
    const second = await pass();
    expect(second.counters).toMatchObject({ replayed: 0, skippedFromMe: 1 });
    expect(cursorFile().lastSeenRowid).toBe(4);
  });

  it("reads with messages.after from the saved cursor on imsg 0.14+, with messages.history per chat before", async () => {
    world.receive(alice, "seen", 20);
    const first = await pass();
    // A first run has a window in time only: messages.history on every imsg.
    expect(first.lines).toContain(
      method === "messages.after"
        ? "info imessage catchup: reading with messages.history (first run: the lookback window is in time, not rowids)"
        : "info imessage catchup: reading with messages.history (this imsg has no messages.after: it is older than 0.14)",
    );
    world.receive(alice, "gap 1", 10);
    world.receive(bob, "gap 2", 5);
    const mark = readRequestLog(world.requestLogPath).length;
    const second = await pass();
    expect(texts(second.dispatched)).toEqual(["gap 1", "gap 2"]);
    const requests = readRequestLog(world.requestLogPath).slice(mark);
    const used = requests.flatMap((record) => (record.kind === "rpc" ? [record.method] : []));
    if (method === "messages.after") {
      expect(second.lines).toContain("info imessage catchup: reading with messages.after (from rowid 1)");
      expect(used).toEqual(["messages.after"]);
      expect(requests[0]).toMatchObject({ params: { since_rowid: 1, limit: 500 } });
    } else {
      expect(second.lines).toContain(
        "info imessage catchup: reading with messages.history (this imsg has no messages.after: it is older than 0.14)",
      );
      expect(used).toEqual(["chats.list", "messages.history", "messages.history"]);
    }
  });

  it("drains a backlog larger than perRunLimit in passes of perRunLimit, oldest first, without a restart", async () => {
    world.receive(alice, "seen", 30);
    await pass({ firstRunLookbackMinutes: 31 });
    for (let index = 1; index <= 7; index += 1) world.receive(index % 2 ? alice : bob, `row ${index}`, 20 - index);
    const drain = await pass({ perRunLimit: 3 }, { pageSize: 2 });
    expect(texts(drain.dispatched)).toEqual(["row 1", "row 2", "row 3", "row 4", "row 5", "row 6", "row 7"]);
    expect(drain.reports.map((report) => [report.pass, report.counters.replayed])).toEqual([
      [1, 3],
      [2, 3],
      [3, 1],
    ]);
    // messages.after is paged as the drain walks it: the first pass has read two pages of two, not the backlog.
    const expectedPending =
      method === "messages.after"
        ? [
            [1, true],
            [1, false],
            [0, false],
          ]
        : [
            [4, false],
            [1, false],
            [0, false],
          ];
    expect(drain.reports.map((report) => [report.pending, report.unread])).toEqual(expectedPending);
    expect(drain.lines.filter((line) => line.includes("capped to perRunLimit=3"))).toHaveLength(2);
    expect(drain.lines).toContain(
      `info imessage catchup: replayed=3 skippedFromMe=0 skippedGivenUp=0 failed=0 givenUp=0 fetchedCount=${method === "messages.after" ? 4 : 7} skippedTooOld=0 pending=${method === "messages.after" ? "1+" : "4"} source=${method}`,
    );
    expect(drain.lines).toContain(
      "info imessage catchup: backlog drained in 3 passes: replayed=7 skippedTooOld=0 failed=0 givenUp=0",
    );
    expect(drain.counters).toMatchObject({ replayed: 7, passes: 3, deferred: 0 });
    expect(cursorFile().lastSeenRowid).toBe(drain.dispatched[6]!.id);
    const after = await pass({ perRunLimit: 3 });
    expect(after.dispatched).toEqual([]);
  });

  it("lets live rows advance the cursor during a drain, never past a row a later pass still owes", async () => {
    world.receive(alice, "seen", 30);
    await pass({ firstRunLookbackMinutes: 31 });
    for (let index = 1; index <= 5; index += 1) world.receive(alice, `row ${index}`, 20 - index);
    const cursorStore = await CursorStore.open({ stateDir: world.stateDir, accountId: "default", identity });
    const onDisk: Array<[rowid: number, onDisk: number]> = [];
    const counters = await runCatchup({
      imsg: client,
      methods,
      cursorStore,
      dispatch: async (row) => {
        // A live row streamed while the first pass runs: the cursor must wait for the rows the later passes owe.
        if (row.text === "row 1") await cursorStore.advance({ lastSeenRowid: 100, lastSeenMs: testNowMs });
        await cursorStore.flush();
        onDisk.push([row.id, cursorFile().lastSeenRowid]);
      },
      options: { enabled: true, perRunLimit: 2 },
      now: () => testNowMs,
      passPauseMs: 0,
    });
    expect(counters).toMatchObject({ replayed: 5, passes: 3 });
    // Rowids 2..6: at each dispatch, with every write flushed, the file holds just before the row (never at 100).
    expect(onDisk).toEqual([
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 4],
      [6, 5],
    ]);
    expect(cursorFile()).toMatchObject({ lastSeenRowid: 100, lastSeenMs: testNowMs });
  });

  it("stops starting rows once aborted (shutdown); the next start replays the rest", async () => {
    world.receive(alice, "seen", 30);
    await pass({ firstRunLookbackMinutes: 31 });
    for (let index = 1; index <= 5; index += 1) world.receive(alice, `row ${index}`, 20 - index);
    const stop = new AbortController();
    const first = await pass(
      { perRunLimit: 2 },
      { signal: stop.signal, onDispatch: (row) => row.text === "row 3" && stop.abort() },
    );
    expect(texts(first.dispatched)).toEqual(["row 1", "row 2", "row 3"]);
    expect(first.lines).toContain(
      "info imessage catchup: stopped after 2 passes (shutting down); 2 rows wait for the next start",
    );
    // Row 3 was handed off, but the cursor stays before row 4, which the pass had opened and never started.
    expect(cursorFile().lastSeenRowid).toBe(4);
    const second = await pass({ perRunLimit: 2 });
    expect(texts(second.dispatched)).toEqual(["row 4", "row 5"]);
  });

  it("walks past rows the dispatch path already handled without giving them a perRunLimit slot", async () => {
    const wedged = world.receive(alice, "wedged", 12);
    const handled = new Set<string>();
    for (let index = 1; index <= 4; index += 1) handled.add(world.receive(bob, `answered live ${index}`, 11 - index));
    const missed = world.receive(alice, "missed while down", 5);
    const first = await pass({ perRunLimit: 2 }, { failGuids: new Set([wedged]), handled });
    expect(texts(first.dispatched)).toEqual(["wedged", "missed while down"]);
    handled.add(missed);
    // The held cursor (the wedged row failed) makes this pass fetch every later row again.
    world.receive(bob, "new while down", 4);
    const second = await pass({ perRunLimit: 2 }, { handled });
    expect(texts(second.dispatched)).toEqual(["wedged", "new while down"]);
    expect(second.counters).toMatchObject({ replayed: 2, skippedHandled: 5, deferred: 0 });
    expect(second.lines.some((line) => line.includes("capped"))).toBe(false);
  });

  it("with concurrency, starts rows in rowid order, runs several at once, and holds the cursor before a failed one", async () => {
    const guids: string[] = [];
    for (let index = 1; index <= 6; index += 1)
      guids.push(world.receive(index % 2 ? alice : bob, `row ${index}`, 20 - index));
    const cursorStore = await CursorStore.open({ stateDir: world.stateDir, accountId: "default", identity });
    const started: string[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const counters = await runCatchup({
      imsg: client,
      cursorStore,
      concurrency: 3,
      options: { enabled: true },
      now: () => testNowMs,
      dispatch: async (row) => {
        started.push(row.text);
        inFlight += 1;
        mostInFlight = Math.max(mostInFlight, inFlight);
        // Later rows finish first: the cursor must still not pass row 3 (failed) or any row before it finished.
        await new Promise((resolve) => setTimeout(resolve, 60 - row.id * 8));
        inFlight -= 1;
        if (row.guid === guids[2]) throw new Error("agent backend exploded");
      },
    });
    expect(started).toEqual(["row 1", "row 2", "row 3", "row 4", "row 5", "row 6"]);
    expect(mostInFlight).toBe(3);
    expect(counters).toMatchObject({ replayed: 5, failed: 1 });
    expect(cursorFile().lastSeenRowid).toBe(2);
  });

  it("pages back to the cursor so a busy chat's oldest rows are not cut off, rows sharing a millisecond too", async () => {
    world.receive(alice, "seen", 30);
    await pass({ firstRunLookbackMinutes: 31 });
    // Three rows share one millisecond: a page boundary falls inside them.
    for (let index = 1; index <= 4; index += 1) world.receive(alice, `busy ${index}`, 20 - index);
    for (let index = 5; index <= 7; index += 1) world.receive(alice, `busy ${index}`, 10);
    world.receive(bob, "other chat", 12);
    const second = await pass({}, { pageSize: 2 });
    expect(texts(second.dispatched)).toEqual([
      "busy 1",
      "busy 2",
      "busy 3",
      "busy 4",
      "busy 5",
      "busy 6",
      "busy 7",
      "other chat",
    ]);
  });

  it("retries a poisoned row on each start, then gives up and moves past it", async () => {
    world.receive(alice, "fine 1", 10);
    const poisoned = world.receive(alice, "poison", 9);
    world.receive(alice, "fine 2", 8);
    const failGuids = new Set([poisoned]);
    const options = { maxFailureRetries: 3 };

    const first = await pass(options, { failGuids });
    expect(texts(first.dispatched)).toEqual(["fine 1", "poison", "fine 2"]);
    expect(first.counters).toMatchObject({ replayed: 2, failed: 1, givenUp: 0 });
    expect(cursorFile()).toMatchObject({ lastSeenRowid: 1, failureRetries: { [poisoned]: 1 } });

    const second = await pass(options, { failGuids });
    expect(texts(second.dispatched)).toEqual(["poison", "fine 2"]);
    expect(cursorFile()).toMatchObject({ lastSeenRowid: 1, failureRetries: { [poisoned]: 2 } });

    const third = await pass(options, { failGuids });
    expect(third.lines).toContain(
      `warn imessage catchup: giving up on guid=${poisoned} after 3 failures; advancing cursor past it`,
    );
    expect(third.counters).toMatchObject({ replayed: 1, failed: 0, givenUp: 1 });
    expect(third.lines).toContain(
      `info imessage catchup: replayed=1 skippedFromMe=0 skippedGivenUp=0 failed=0 givenUp=1 fetchedCount=2 skippedTooOld=0 pending=0 source=${method}`,
    );
    expect(cursorFile()).toMatchObject({ lastSeenRowid: 3, failureRetries: { [poisoned]: 3 } });

    const fourth = await pass(options, { failGuids });
    expect(fourth.dispatched).toEqual([]);
  });

  it("counts each failed attempt a dispatch reports toward maxFailureRetries, across starts, then gives up", async () => {
    const retried = world.receive(alice, "agent down", 10);
    world.receive(alice, "later", 9);
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    /** A dispatch that retries its row in place (an agent that is down) until told to give up or `stopAfter`. */
    const start = async (stopAfter: number) => {
      const cursorStore = await CursorStore.open({ stateDir: world.stateDir, accountId: "default", identity, logger });
      const verdicts: string[] = [];
      const counters = await runCatchup({
        imsg: client,
        cursorStore,
        dispatch: async (row, attempts) => {
          if (row.guid !== retried) return;
          for (let attempt = 1; ; attempt++) {
            const verdict = await attempts.failed(new Error("webhook agent answered HTTP 503"));
            verdicts.push(verdict);
            if (verdict === "give-up") return; // the dispatch settles the row itself (the error reply)
            if (attempt >= stopAfter) throw new Error("gateway is shutting down");
          }
        },
        options: { enabled: true, maxFailureRetries: 5 },
        now: () => testNowMs,
        logger,
      });
      return { counters, verdicts };
    };

    // Two attempts, then the start ends (the throw counts as well): 3 of 5, the cursor held before the row.
    const first = await start(2);
    expect(first.verdicts).toEqual(["retry", "retry"]);
    expect(first.counters).toMatchObject({ failed: 1, givenUp: 0 });
    expect(cursorFile()).toMatchObject({ lastSeenRowid: 0, failureRetries: { [retried]: 3 } });

    const second = await start(10);
    expect(second.verdicts).toEqual(["retry", "give-up"]);
    expect(second.counters).toMatchObject({ replayed: 1, failed: 0, givenUp: 1 });
    expect(lines).toContain(
      `warn imessage catchup: giving up on guid=${retried} after 5 failures; advancing cursor past it`,
    );
    expect(cursorFile()).toMatchObject({ lastSeenRowid: 2, failureRetries: { [retried]: 5 } });
  });

  it("skips a given-up guid on sight without dispatching it", async () => {
    world.receive(alice, "fine", 10);
    const poisoned = world.receive(alice, "poison", 9);
    // The give-up count reached disk, then the process died before the cursor moved past the row.
    const cursor: CursorFile = {
      lastSeenRowid: 1,
      lastSeenMs: testNowMs - 10 * minuteMs,
      updatedAt: testNowMs,
      failureRetries: { [poisoned]: 10 },
    };
    mkdirSync(dirname(cursorFilePath(world.stateDir, "default", identity)), { recursive: true });
    writeFileSync(cursorFilePath(world.stateDir, "default", identity), JSON.stringify(cursor));
    world.receive(alice, "after", 5);
    const second = await pass();
    expect(texts(second.dispatched)).toEqual(["after"]);
    expect(second.counters).toMatchObject({ replayed: 1, skippedGivenUp: 1 });
    expect(cursorFile().lastSeenRowid).toBe(3);
  });

  it("looks back only firstRunLookbackMinutes on the first run, then the whole gap", async () => {
    world.receive(alice, "before enabling", 45);
    world.receive(alice, "recent", 25);
    world.receive(bob, "just now", 5);
    const first = await pass();
    expect(texts(first.dispatched)).toEqual(["recent", "just now"]);

    world.receive(alice, "while down", 70, { date: new Date(testNowMs + 20 * minuteMs) });
    const second = await pass({}, { nowMs: testNowMs + 100 * minuteMs });
    expect(texts(second.dispatched)).toEqual(["while down"]);
  });

  it("remembers where the first run's window opened when it found nothing", async () => {
    world.receive(alice, "before enabling", 45);
    const first = await pass();
    expect(first.dispatched).toEqual([]);
    world.receive(alice, "while down", 0, { date: new Date(testNowMs + 20 * minuteMs) });
    const second = await pass({}, { nowMs: testNowMs + 60 * minuteMs });
    expect(texts(second.dispatched)).toEqual(["while down"]);
  });

  it("skips rows older than maxAgeMinutes even under new rowids, and counts the ones it read", async () => {
    world.receive(alice, "seen", 10);
    await pass();
    world.receive(alice, "icloud backlog", 180);
    world.receive(alice, "fresh", 2);
    world.receive(bob, "old but inside", 100);
    const second = await pass({ maxAgeMinutes: 120 });
    expect(texts(second.dispatched)).toEqual(["fresh", "old but inside"]);
    expect(second.counters.replayed).toBe(2);
    // messages.after reads every row past the cursor; messages.history is asked from the fence on, so imsg never
    // returns the old row at all.
    const tooOld = method === "messages.after" ? 1 : 0;
    expect(second.counters.skippedTooOld).toBe(tooOld);
    expect(second.reports[0]?.counters.skippedTooOld).toBe(tooOld);
    expect(second.lines).toContain(
      `info imessage catchup: replayed=2 skippedFromMe=0 skippedGivenUp=0 failed=0 givenUp=0 fetchedCount=${2 + tooOld} skippedTooOld=${tooOld} pending=0 source=${method}`,
    );
  });

  it("moves a corrupt cursor file aside, warns, and runs as a first run", async () => {
    world.receive(alice, "before enabling", 45);
    world.receive(alice, "recent", 5);
    const path = cursorFilePath(world.stateDir, "default", identity);
    await CursorStore.open({ stateDir: world.stateDir, accountId: "default", identity });
    writeFileSync(path, '{"lastSeenRowid": 12, "lastSeen');
    const first = await pass();
    expect(texts(first.dispatched)).toEqual(["recent"]);
    expect(first.lines[0]).toMatch(/^warn imessage catchup: cursor file .* is corrupt; moved it to .*\.corrupt-\d+/);
    const aside = readdirSync(dirname(path)).filter((name) => name.includes(".corrupt-"));
    expect(aside).toHaveLength(1);
    expect(readFileSync(`${dirname(path)}/${aside[0]}`, "utf8")).toBe('{"lastSeenRowid": 12, "lastSeen');
    expect(cursorFile().lastSeenRowid).toBe(2);
  });

  it("does nothing when disabled", async () => {
    world.receive(alice, "recent", 5);
    const result = await pass({ enabled: false });
    expect(result.dispatched).toEqual([]);
    expect(result.lines).toEqual([]);
    expect(existsSync(cursorFilePath(world.stateDir, "default", identity))).toBe(false);
  });

  it("lets live rows advance the same cursor, never past a replay row not yet dispatched", async () => {
    world.receive(alice, "seen", 20);
    await pass();
    world.receive(alice, "gap 1", 10);
    world.receive(alice, "gap 2", 5);
    const cursorStore = await CursorStore.open({ stateDir: world.stateDir, accountId: "default", identity });
    const seenOnDisk: number[] = [];
    await runCatchup({
      imsg: client,
      cursorStore,
      dispatch: async (row) => {
        if (row.text === "gap 1") {
          // A live row streamed while the pass runs.
          await cursorStore.advancePast({ ...row, id: 100, createdAt: new Date(testNowMs).toISOString() });
          seenOnDisk.push(cursorFile().lastSeenRowid);
        }
      },
      options: { enabled: true },
      now: () => testNowMs,
    });
    expect(seenOnDisk).toEqual([1]);
    expect(cursorFile()).toMatchObject({ lastSeenRowid: 100, lastSeenMs: testNowMs });
  });
});
