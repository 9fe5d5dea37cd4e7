import { errorMessage } from "@imessage-channel/kit";
import type { CatchupOptions } from "./catchup-options.ts";
import type { CatchupMessage } from "./catchup-source.ts";
import type { CatchupLog, CursorStore } from "./cursor-store.ts";
import type { ReplayPlan } from "./plan-replay.ts";
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
  /** Rows newer than the cursor but older than the age fence: walked past, never answered. */
  skippedTooOld: number;
  /** Rows read but left for a later pass by `perRunLimit` (for a whole drain: left when it stopped early). */
  deferred: number;
  /** Rows `isHandled` said were already delivered (not in the summary line). */
  skippedHandled: number;
  /** Passes run (a drain runs one per `perRunLimit` rows). */
  passes: number;
}

export function emptyCounters(): CatchupCounters {
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
    passes: 0,
  };
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

export interface ReplayPassOptions<Row extends CatchupMessage> {
  plan: ReplayPlan<Row>;
  cursorStore: CursorStore;
  dispatch: (row: Row, attempts: DispatchAttempts) => Promise<void>;
  options: CatchupOptions;
  log: CatchupLog;
  concurrency: number;
  /** The open row that kept the cursor from passing rows this pass was still reading; settled once they are open. */
  hold: number;
  /** Aborted: no further row is started (the rows not started stay open, so the next start replays them). */
  signal?: AbortSignal;
}

export interface ReplayPassResult {
  counters: CatchupCounters;
  /** A capped pass: the row left open just past its last one, until the next pass has opened its rows. */
  hold: number | undefined;
}

/**
 * Runs one plan: every row of it is opened on the cursor before the first is dispatched, up to `concurrency` are
 * dispatched at once (started in rowid order), and each settles once it finished, in any order, so the cursor moves
 * only over rows that all did. A throw holds the cursor before that row for the life of the process (the next start
 * replays it) while later rows are still dispatched; after `maxFailureRetries` throws the row is given up and passed.
 */
export async function replayPass<Row extends CatchupMessage>(
  parameters: ReplayPassOptions<Row>,
): Promise<ReplayPassResult> {
  const { plan, cursorStore, dispatch, options, log, signal } = parameters;
  const counters = emptyCounters();
  counters.passes = 1;
  counters.fetchedCount = plan.fetchedCount;
  counters.deferred = plan.dispatchableCount - Math.min(plan.dispatchableCount, options.perRunLimit);
  for (const { row } of plan.steps) cursorStore.begin(row.id, "live", positionAfter(row));
  const lastStep = plan.steps.at(-1);
  // Capped: the rows left for the next pass must not be passed by live rows either.
  const hold = plan.capped && lastStep ? lastStep.row.id + 1 : undefined;
  if (hold !== undefined) cursorStore.begin(hold, "replayed");

  const concurrency = Math.max(1, Math.floor(parameters.concurrency));
  let active = 0;
  let wake: (() => void) | undefined;
  let writeError: { error: unknown } | undefined;
  // The rows are handed off (journaled) before they settle, so nothing waits for the cursor file: its writes are
  // coalesced (`writeIntervalMilliseconds`) and flushed at the end of the pass. A failed write stops the pass.
  const settleRow = (rowid: number): void => {
    cursorStore.settle(rowid).catch((error: unknown) => {
      writeError ??= { error };
    });
  };
  const settle = (row: Row): void => settleRow(row.id);
  settleRow(parameters.hold);
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
          `imessage catchup: attempt at guid=${row.guid} rowid=${row.id} failed (${failures} of ${options.maxFailureRetries}): ${errorMessage(error)}`,
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
      settle(row);
    } catch (error) {
      if (givenUp) {
        settle(row);
        return;
      }
      const failures = await cursorStore.recordFailure(row.guid);
      if (failures >= options.maxFailureRetries) {
        giveUp(row, failures);
        settle(row);
      } else {
        counters.failed += 1;
        log(
          "warn",
          `imessage catchup: dispatch of guid=${row.guid} rowid=${row.id} failed (${failures} of ${options.maxFailureRetries}): ${errorMessage(error)}; cursor held for the next start`,
        );
      }
    }
  };

  let walked = 0;
  for (const { row, action } of plan.steps) {
    if (writeError) throw writeError.error;
    if (signal?.aborted) break;
    if (action === "skip-from-me") counters.skippedFromMe += 1;
    if (action === "skip-given-up") counters.skippedGivenUp += 1;
    if (action === "skip-too-old") counters.skippedTooOld += 1;
    if (action === "skip-handled") counters.skippedHandled += 1;
    if (action !== "dispatch") {
      walked += 1;
      settle(row);
      continue;
    }
    while (active >= concurrency) await waitForOne();
    if (signal?.aborted) break;
    walked += 1;
    active += 1;
    void replay(row).finally(() => {
      active -= 1;
      wake?.();
    });
  }
  while (active > 0) await waitForOne();
  // Stopped early: the rows not started wait for the next start like the ones past the cap.
  counters.deferred += plan.steps.slice(walked).filter((step) => step.action === "dispatch").length;
  await cursorStore.flush();
  if (writeError) throw writeError.error;
  return { counters, hold };
}
