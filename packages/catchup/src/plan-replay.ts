import type { CatchupMessage } from "./catchup-source.ts";
import type { CursorPosition } from "./cursor-store.ts";
import { rowTimeMs } from "./row-position.ts";

export type ReplayAction =
  | "dispatch"
  | "skip-from-me"
  | "skip-given-up"
  | "skip-handled"
  | "skip-reaction"
  | "skip-too-old";

export interface ReplayStep<Row extends CatchupMessage> {
  row: Row;
  action: ReplayAction;
}

export interface ReplayPlan<Row extends CatchupMessage> {
  /** Oldest first; the cursor walks these in order. */
  steps: ReplayStep<Row>[];
  /** Rows newer than the cursor that imsg returned. */
  fetchedCount: number;
  /** Rows that would be dispatched without the cap. */
  dispatchableCount: number;
  capped: boolean;
}

export interface PlanOptions<Row extends CatchupMessage> {
  rows: Row[];
  cursor: CursorPosition;
  fenceMs: number;
  perRunLimit: number;
  isGivenUp: (guid: string) => boolean;
  /** True for a guid the dispatch path already delivered (e.g. live, before a restart): it takes no cap slot. */
  isHandled?: (guid: string) => boolean;
}

function actionFor<Row extends CatchupMessage>(row: Row, options: PlanOptions<Row>): ReplayAction {
  if (row.isReaction === true) return "skip-reaction";
  if (row.isFromMe) return "skip-from-me";
  const timeMs = rowTimeMs(row);
  // iCloud can write week-old messages under new rowids: the rowid says new, the date says do not answer.
  if (!Number.isFinite(timeMs) || timeMs < options.fenceMs) return "skip-too-old";
  if (options.isGivenUp(row.guid)) return "skip-given-up";
  if (options.isHandled?.(row.guid)) return "skip-handled";
  return "dispatch";
}

/**
 * Pure: which rows a pass walks and what it does with each. Rows at or below the cursor rowid are dropped; the
 * rest are sorted by rowid (the cursor's order), then date, and cut right after the `perRunLimit`-th
 * dispatchable row, so the cap keeps the oldest and the cursor never passes a row left for the next pass. Rows
 * already handled take no slot: a held cursor makes the next pass fetch them again.
 */
export function planReplay<Row extends CatchupMessage>(options: PlanOptions<Row>): ReplayPlan<Row> {
  const fresh = options.rows
    .filter((row) => row.id > options.cursor.lastSeenRowid)
    .sort((a, b) => a.id - b.id || rowTimeMs(a) - rowTimeMs(b));
  const all = fresh.map((row) => ({ row, action: actionFor(row, options) }));
  const dispatchableCount = all.filter((step) => step.action === "dispatch").length;
  if (dispatchableCount <= options.perRunLimit) {
    return { steps: all, fetchedCount: fresh.length, dispatchableCount, capped: false };
  }
  let dispatchSeen = 0;
  const cut = all.findIndex((step) => step.action === "dispatch" && ++dispatchSeen === options.perRunLimit);
  return { steps: all.slice(0, cut + 1), fetchedCount: fresh.length, dispatchableCount, capped: true };
}
