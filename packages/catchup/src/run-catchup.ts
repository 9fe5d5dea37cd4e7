import { setTimeout as sleep } from "node:timers/promises";
import { type Logger, silentLogger } from "@imessage-channel/kit";
import type { Message } from "@imessage-channel/rpc-client";
import { afterFeed } from "./after-feed.ts";
import { type CatchupOptions, type CatchupOptionsInput, resolveCatchupOptions } from "./catchup-options.ts";
import {
  type CatchupImsg,
  type CatchupMessage,
  type CatchupMethod,
  chooseCatchupSource,
  type RowFeed,
} from "./catchup-source.ts";
import { historyFeed } from "./collect-rows.ts";
import type { CatchupLog, CursorPosition, CursorStore } from "./cursor-store.ts";
import { planReplay } from "./plan-replay.ts";
import { type CatchupCounters, type DispatchAttempts, emptyCounters, replayPass } from "./replay-pass.ts";

/** What a drain tells after each pass (the gateway shows it in the account's status). */
export interface CatchupPassReport {
  /** 1 for the pass a start runs first. */
  pass: number;
  method: CatchupMethod;
  /** This pass's counts. */
  counters: CatchupCounters;
  /** Rows read and left for the next pass. */
  pending: number;
  /** imsg has rows the drain has not read yet (`messages.after` pages): more than `pending` may wait. */
  unread: boolean;
}

export interface RunCatchupOptions<Row extends CatchupMessage = Message> {
  /** The imsg connection (the rpc-client's `ImsgClient`). */
  imsg: CatchupImsg<Row>;
  /**
   * The methods this connection negotiated (`NegotiatedProtocol.methods`; absent before imsg 0.14): `messages.after`
   * among them makes the drain read with it (`chooseCatchupSource`).
   */
  methods?: readonly string[];
  cursorStore: CursorStore;
  /**
   * The live dispatch path; a throw means the row was not handed off. `attempts` counts failed attempts of a
   * dispatch that retries the row itself.
   */
  dispatch: (row: Row, attempts: DispatchAttempts) => Promise<void>;
  /**
   * True for a guid the dispatch path already delivered (its persisted dedupe): such rows are walked past without
   * a dispatch and take no `perRunLimit` slot, so rows re-fetched behind a held cursor do not crowd out new ones.
   */
  isHandled?: (guid: string) => boolean;
  options?: CatchupOptionsInput | CatchupOptions;
  now?: () => number;
  /** Where the reference's lines go (summary at info, give-ups and failures at warn); pino fits. */
  logger?: Logger;
  /**
   * Rows handed to `dispatch` at once (default 1). Rows still start in rowid order and the cursor still moves only
   * over rows that finished, so a crash replays every unfinished row; more than 1 keeps one slow turn (an agent,
   * a coalescing window) from holding up a whole backlog.
   */
  concurrency?: number;
  /** Rows asked per `messages.history` page (default 100). */
  historyPageSize?: number;
  /** Rows asked per `messages.after` page (default and maximum 500). */
  afterPageSize?: number;
  /** Pause between two passes of a drain (default 250 ms), so a long backlog leaves room to the live rows. */
  passPauseMs?: number;
  /** Told after each pass. */
  onPass?: (report: CatchupPassReport) => void;
  /** Aborted (shutdown): no further row or pass is started; what was not started is replayed on the next start. */
  signal?: AbortSignal;
}

const minuteMs = 60_000;
const defaultPassPauseMs = 250;

function add(total: CatchupCounters, pass: CatchupCounters): void {
  for (const key of Object.keys(total) as Array<keyof CatchupCounters>) total[key] += pass[key];
}

function summaryLine(counters: CatchupCounters, pending: string, method: CatchupMethod): string {
  return `imessage catchup: replayed=${counters.replayed} skippedFromMe=${counters.skippedFromMe} skippedGivenUp=${counters.skippedGivenUp} failed=${counters.failed} givenUp=${counters.givenUp} fetchedCount=${counters.fetchedCount} skippedTooOld=${counters.skippedTooOld} pending=${pending} source=${method}`;
}

/** Resolves after `ms`, or at once (false) when the drain is aborted meanwhile. */
async function pause(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return false;
  if (ms <= 0) return true;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/**
 * Catchup of one start (after `watch.subscribe`; nothing at all when `enabled` is false): replays rows that arrived
 * while the gateway was down through `dispatch`, oldest first, advancing the cursor after each hand-off. It reads
 * with `messages.after` from the saved cursor on imsg 0.14+ and with `messages.history` per chat before, and drains
 * the backlog in passes of at most `perRunLimit` dispatched rows, one after the other, until nothing is left: the
 * cap is a rate, not a loss.
 *
 * A throw holds the cursor before that row; later rows are still dispatched (one wedged row does not delay
 * the rest for `maxFailureRetries` starts) but the cursor stays held, so they are fed again next start and
 * the dispatch path's persisted dedupe absorbs them.
 */
export async function runCatchup<Row extends CatchupMessage>(
  parameters: RunCatchupOptions<Row>,
): Promise<CatchupCounters> {
  const { imsg, cursorStore, dispatch, signal } = parameters;
  const options = resolveCatchupOptions(parameters.options);
  const now = parameters.now ?? Date.now;
  const logger = parameters.logger ?? silentLogger;
  const log: CatchupLog = (level, line) => logger[level]({}, line);
  if (!options.enabled) return emptyCounters();
  const startMs = now();
  const stored = cursorStore.position;
  // A cursor at rowid 0 has never passed a row; its time remembers where the first run's window opened.
  const cursor: CursorPosition = stored ?? {
    lastSeenRowid: 0,
    lastSeenMs: startMs - options.firstRunLookbackMinutes * minuteMs,
  };
  const windowOpensMs = cursor.lastSeenRowid === 0 ? cursor.lastSeenMs : Number.NEGATIVE_INFINITY;
  // Measured from each pass's start: a row that ages past maxAgeMinutes while a long drain runs is not answered.
  const fenceAt = (nowMs: number) => Math.max(nowMs - options.maxAgeMinutes * minuteMs, windowOpensMs);
  // Until the pass knows its rows, nothing past where it starts may be saved: live rows settling meanwhile would
  // carry the cursor past rows it is about to replay.
  let hold = cursor.lastSeenRowid + 1;
  cursorStore.begin(hold, "replayed");
  await cursorStore.initialize(cursor);

  const source = chooseCatchupSource(parameters.methods, cursor);
  log("info", `imessage catchup: reading with ${source.method} (${source.reason})`);
  const feed: RowFeed<Row> =
    source.method === "messages.after"
      ? afterFeed({ imsg, sinceRowid: cursor.lastSeenRowid, pageSize: parameters.afterPageSize })
      : historyFeed({ imsg, cursor, fenceMs: fenceAt(startMs), log, pageSize: parameters.historyPageSize });

  const total = emptyCounters();
  let rows: Row[] = [];
  let feedDone = false;
  let passCursor = cursor;
  for (let pass = 1; !signal?.aborted; pass += 1) {
    const fenceMs = fenceAt(pass === 1 ? startMs : now());
    const planOf = () =>
      planReplay({
        rows,
        cursor: passCursor,
        fenceMs,
        perRunLimit: options.perRunLimit,
        isGivenUp: (guid) => cursorStore.failureCount(guid) >= options.maxFailureRetries,
        isHandled: parameters.isHandled,
      });
    let plan = planOf();
    // Read on only until this pass is full: a `messages.after` backlog is paged as the drain walks it.
    while (!feedDone && !plan.capped) {
      const batch = await feed.next();
      for (const row of batch.rows) rows.push(row);
      feedDone = batch.done;
      plan = planOf();
    }
    if (plan.capped) {
      log(
        "warn",
        `imessage catchup: fetched ${plan.fetchedCount} rows across chats, capped to perRunLimit=${options.perRunLimit}`,
      );
    }
    const result = await replayPass({
      plan,
      cursorStore,
      dispatch,
      options,
      log,
      concurrency: parameters.concurrency ?? 1,
      hold,
      signal,
    });
    const { counters } = result;
    add(total, counters);
    const unread = !feedDone;
    log("info", summaryLine(counters, `${counters.deferred}${unread ? "+" : ""}`, source.method));
    parameters.onPass?.({ pass, method: source.method, counters, pending: counters.deferred, unread });
    if (result.hold === undefined) {
      total.deferred = 0;
      break;
    }
    // The next pass starts just past this one's last row, from the rows already read; the cursor file stays held
    // before any row that failed, so the next start still retries it.
    const lastRowid = result.hold - 1;
    hold = result.hold;
    passCursor = { lastSeenRowid: lastRowid, lastSeenMs: cursor.lastSeenMs };
    rows = rows.filter((row) => row.id > lastRowid);
    total.deferred = counters.deferred;
    if (!(await pause(parameters.passPauseMs ?? defaultPassPauseMs, signal))) break;
  }
  if (signal?.aborted) {
    log(
      "info",
      `imessage catchup: stopped after ${total.passes} passes (shutting down); ${total.deferred}${feedDone ? "" : "+"} rows wait for the next start`,
    );
  } else if (total.passes > 1) {
    log(
      "info",
      `imessage catchup: backlog drained in ${total.passes} passes: replayed=${total.replayed} skippedTooOld=${total.skippedTooOld} failed=${total.failed} givenUp=${total.givenUp}`,
    );
  }
  return total;
}
