import { type Logger, silentLogger } from "@imessage-channel/kit";
import type { Message } from "@imessage-channel/rpc-client";
import { type CatchupOptions, type CatchupOptionsInput, resolveCatchupOptions } from "./catchup-options.ts";
import type { CatchupMessage, CatchupSource } from "./catchup-source.ts";
import { collectRows } from "./collect-rows.ts";
import type { CatchupLog, CursorPosition, CursorStore } from "./cursor-store.ts";
import { planReplay } from "./plan-replay.ts";
import { positionAfter } from "./row-position.ts";

export interface CatchupCounters {
  replayed: number;
  skippedFromMe: number;
  skippedGivenUp: number;
  /** Throws that held the cursor (the row is retried next start). */
  failed: number;
  /** Throws that reached `maxFailureRetries`: the cursor was moved past the row for good. */
  givenUp: number;
  fetchedCount: number;
  /** Rows newer than the cursor but older than the age fence (not in the summary line). */
  skippedTooOld: number;
  /** Rows left for the next pass by `perRunLimit` (not in the summary line). */
  deferred: number;
  /** Rows `isHandled` said were already delivered (not in the summary line). */
  skippedHandled: number;
}

/**
 * Handed to `dispatch` with each row: a dispatch that retries the row itself (an agent that is down) reports each
 * failed attempt here, so the attempts count toward `maxFailureRetries` like throws of whole dispatches do.
 */
export interface DispatchAttempts {
  /**
   * Counts one failed attempt at the row (persisted). `"give-up"` once the count reached `maxFailureRetries`: the
   * give-up line is logged, the cursor moves past the row when the dispatch settles, and the dispatch should stop
   * retrying and settle the row for good (resolve). `"retry"` otherwise.
   */
  failed(error: unknown): Promise<"retry" | "give-up">;
}

export interface RunCatchupOptions<Row extends CatchupMessage = Message> {
  source: CatchupSource<Row>;
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
}

const minuteMs = 60_000;

function emptyCounters(): CatchupCounters {
  return {
    replayed: 0,
    skippedFromMe: 0,
    skippedGivenUp: 0,
    failed: 0,
    givenUp: 0,
    fetchedCount: 0,
    skippedTooOld: 0,
    deferred: 0,
    skippedHandled: 0,
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One catchup pass (once per start, after `watch.subscribe`; nothing at all when `enabled` is false): replays
 * rows that arrived while the gateway was down through `dispatch`, oldest first, advancing the cursor after
 * each hand-off.
 *
 * A throw holds the cursor before that row; later rows are still dispatched (one wedged row does not delay
 * the rest for `maxFailureRetries` starts) but the cursor stays held, so they are fed again next start and
 * the dispatch path's persisted dedupe absorbs them.
 */
export async function runCatchup<Row extends CatchupMessage>(
  parameters: RunCatchupOptions<Row>,
): Promise<CatchupCounters> {
  const { source, cursorStore, dispatch } = parameters;
  const options = resolveCatchupOptions(parameters.options);
  const now = parameters.now ?? Date.now;
  const logger = parameters.logger ?? silentLogger;
  const log: CatchupLog = (level, line) => logger[level]({}, line);
  if (!options.enabled) return emptyCounters();
  const nowMs = now();
  const stored = cursorStore.position;
  // A cursor at rowid 0 has never passed a row; its time remembers where the first run's window opened.
  const cursor: CursorPosition = stored ?? {
    lastSeenRowid: 0,
    lastSeenMs: nowMs - options.firstRunLookbackMinutes * minuteMs,
  };
  let fenceMs = nowMs - options.maxAgeMinutes * minuteMs;
  if (cursor.lastSeenRowid === 0) fenceMs = Math.max(fenceMs, cursor.lastSeenMs);
  // Until the pass knows its rows, nothing past where it starts may be saved: live rows settling meanwhile would
  // carry the cursor past rows it is about to replay.
  const startGate = cursor.lastSeenRowid + 1;
  cursorStore.begin(startGate, "replayed");
  await cursorStore.initialize(cursor);

  const rows = await collectRows({ source, cursor, fenceMs, log, pageSize: parameters.historyPageSize });
  const plan = planReplay({
    rows,
    cursor,
    fenceMs,
    perRunLimit: options.perRunLimit,
    isGivenUp: (guid) => cursorStore.failureCount(guid) >= options.maxFailureRetries,
    isHandled: parameters.isHandled,
  });
  if (plan.capped) {
    log(
      "warn",
      `imessage catchup: fetched ${plan.fetchedCount} rows across chats, capped to perRunLimit=${options.perRunLimit}`,
    );
  }

  const counters: CatchupCounters = {
    ...emptyCounters(),
    fetchedCount: plan.fetchedCount,
    deferred: plan.dispatchableCount - Math.min(plan.dispatchableCount, options.perRunLimit),
  };
  // Every row of the plan is open before the first is dispatched; each settles once it finished (in any order),
  // and the cursor moves only over rows that all did. A row that failed is never settled: the cursor stays
  // before it for the life of the process, so the next start replays it.
  for (const { row } of plan.steps) cursorStore.begin(row.id, "live", positionAfter(row));
  const lastStep = plan.steps.at(-1);
  // Capped: the rows left for the next start must not be passed by live rows either.
  if (plan.capped && lastStep) cursorStore.begin(lastStep.row.id + 1, "replayed");
  await cursorStore.settle(startGate);

  const concurrency = Math.max(1, Math.floor(parameters.concurrency ?? 1));
  let active = 0;
  let wake: (() => void) | undefined;
  let writeError: { error: unknown } | undefined;
  const settle = (row: Row): Promise<void> =>
    cursorStore.settle(row.id).catch((error: unknown) => {
      writeError ??= { error };
    });
  const waitForOne = (): Promise<void> =>
    new Promise<void>((resolve) => {
      wake = resolve;
    });
  const giveUp = (row: Row, failures: number): void => {
    counters.givenUp += 1;
    log("warn", `imessage catchup: giving up on guid=${row.guid} after ${failures} failures; advancing cursor past it`);
  };
  const replay = async (row: Row): Promise<void> => {
    let givenUp = false;
    const attempts: DispatchAttempts = {
      failed: async (error) => {
        if (givenUp) return "give-up";
        const failures = await cursorStore.recordFailure(row.guid);
        if (failures >= options.maxFailureRetries) {
          givenUp = true;
          giveUp(row, failures);
          return "give-up";
        }
        log(
          "warn",
          `imessage catchup: attempt at guid=${row.guid} rowid=${row.id} failed (${failures} of ${options.maxFailureRetries}): ${errorText(error)}`,
        );
        return "retry";
      },
    };
    try {
      await dispatch(row, attempts);
      // A row given up during its dispatch keeps its count, so a later start skips it on sight.
      if (!givenUp) {
        counters.replayed += 1;
        await cursorStore.clearFailures(row.guid);
      }
      await settle(row);
    } catch (error) {
      if (givenUp) {
        await settle(row);
        return;
      }
      const failures = await cursorStore.recordFailure(row.guid);
      if (failures >= options.maxFailureRetries) {
        giveUp(row, failures);
        await settle(row);
      } else {
        counters.failed += 1;
        log(
          "warn",
          `imessage catchup: dispatch of guid=${row.guid} rowid=${row.id} failed (${failures} of ${options.maxFailureRetries}): ${errorText(error)}; cursor held for the next start`,
        );
      }
    }
  };

  for (const { row, action } of plan.steps) {
    if (writeError) throw writeError.error;
    if (action === "skip-from-me") counters.skippedFromMe += 1;
    if (action === "skip-given-up") counters.skippedGivenUp += 1;
    if (action === "skip-too-old") counters.skippedTooOld += 1;
    if (action === "skip-handled") counters.skippedHandled += 1;
    if (action !== "dispatch") {
      await settle(row);
      continue;
    }
    while (active >= concurrency) await waitForOne();
    active += 1;
    void replay(row).finally(() => {
      active -= 1;
      wake?.();
    });
  }
  while (active > 0) await waitForOne();
  await cursorStore.flush();
  if (writeError) throw writeError.error;
  log(
    "info",
    `imessage catchup: replayed=${counters.replayed} skippedFromMe=${counters.skippedFromMe} skippedGivenUp=${counters.skippedGivenUp} failed=${counters.failed} givenUp=${counters.givenUp} fetchedCount=${counters.fetchedCount}`,
  );
  return counters;
}
