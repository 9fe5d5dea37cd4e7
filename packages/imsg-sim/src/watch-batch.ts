import type { MessageRow } from "./message-row.ts";
import {
  type CoalescingRules,
  coalesceUrlPreviews,
  isUrlPreviewRow,
  type LogicalRow,
  physicalRowid,
} from "./url-preview-coalescing.ts";

/** A live text row waits this long for its URL-preview row (docs/imsg-protocol.md, URL previews). */
export const urlPreviewHoldMs = 2000;
/** Polls that find a live row still without its chat join before the row is dropped (0.10.0+). */
export const chatlessRetryLimit = 20;

/** Rows first seen by one poll, up to `throughRowid`, may be held until `deadline`. */
interface HoldCohort {
  throughRowid: number;
  deadline: number;
}

/** What one subscription remembers between polls (the 0.10+ watcher; 0.9.0 keeps its simpler loop). */
export class WatchBatchState {
  /** Exclusive scan cursor: every row up to it has been delivered, filtered, folded or dropped. */
  cursor: number;
  /** `MAX(ROWID)` when the subscription started: rows up to it are backlog and never held. */
  readonly startupTail: number;
  readonly cohorts: HoldCohort[] = [];
  readonly deliveredPreviews = new Set<number>();
  readonly chatlessAttempts = new Map<number, number>();
  readonly dropped = new Set<number>();

  constructor(cursor: number, startupTail: number) {
    this.cursor = cursor;
    this.startupTail = startupTail;
  }
}

export interface BatchOptions {
  now: number;
  /** 0.11.1+: fold URL previews and hold live text rows for theirs. */
  coalescing?: CoalescingRules;
  /** 0.10.0+: retry, then drop, live rows without a chat join. */
  dropsChatlessRows: boolean;
  /** The old 90 s URL-balloon repeat rule, for preview rows emitted on their own. */
  isRepeatedBalloon: (row: MessageRow) => boolean;
}

export interface Delivery {
  logical: LogicalRow;
  /** The exclusive resume point once this event is processed (`cursor` on 0.14+). */
  cursor: number;
}

export interface BatchPlan {
  deliveries: Delivery[];
  /** A row still lacks its chat join: poll again soon, nothing of this batch was delivered. */
  retry: boolean;
  /** When the earliest held row's wait ends, if a row is held. */
  wakeAt?: number;
}

function registerCohort(state: WatchBatchState, throughRowid: number, now: number): void {
  const covered = state.cohorts.at(-1)?.throughRowid ?? state.startupTail;
  if (throughRowid > Math.max(covered, state.startupTail)) {
    state.cohorts.push({ throughRowid, deadline: now + urlPreviewHoldMs });
  }
}

/** The lowest live, unfolded text row still inside its hold, and the earliest hold deadline. */
function heldBoundary(
  state: WatchBatchState,
  logical: LogicalRow[],
  now: number,
): { rowid: number; wakeAt: number } | undefined {
  let boundary: { rowid: number; wakeAt: number } | undefined;
  for (const { row, preview } of logical) {
    if (row.rowid <= state.startupTail || preview !== undefined || isUrlPreviewRow(row)) continue;
    const deadline = state.cohorts.find((cohort) => row.rowid <= cohort.throughRowid)?.deadline;
    if (deadline === undefined || now >= deadline) continue;
    boundary = {
      rowid: Math.min(boundary?.rowid ?? row.rowid, row.rowid),
      wakeAt: Math.min(boundary?.wakeAt ?? deadline, deadline),
    };
  }
  return boundary;
}

/**
 * Plans one poll of the 0.10+ watcher (docs/imsg-protocol.md, Watch on 0.14+): folds previews, holds live text rows,
 * retries or drops rows without a chat, and gives each event the frontier cursor (it never passes a row that is not
 * delivered yet). Advances `state`.
 */
export function planBatch(rows: readonly MessageRow[], state: WatchBatchState, options: BatchOptions): BatchPlan {
  const maxScanned = rows.reduce((max, row) => Math.max(max, row.rowid), state.cursor);
  const logical: LogicalRow[] = options.coalescing
    ? coalesceUrlPreviews(rows, options.coalescing)
    : rows.map((row) => ({ row }));
  let boundary: { rowid: number; wakeAt: number } | undefined;
  if (options.coalescing) {
    registerCohort(state, maxScanned, options.now);
    boundary = heldBoundary(state, logical, options.now);
  }
  const firstHeld =
    boundary === undefined
      ? undefined
      : Math.min(...logical.filter((entry) => physicalRowid(entry) >= boundary.rowid).map((entry) => entry.row.rowid));
  const ready = logical
    .filter(
      (entry) => boundary === undefined || (physicalRowid(entry) < boundary.rowid && entry.row.rowid < firstHeld!),
    )
    .sort((left, right) => physicalRowid(left) - physicalRowid(right) || left.row.rowid - right.row.rowid);

  const deliverable: LogicalRow[] = [];
  const previews = new Set(state.deliveredPreviews);
  for (const entry of ready) {
    const { row } = entry;
    if (state.dropped.has(row.rowid)) continue;
    if (options.dropsChatlessRows && row.chat_id === 0) {
      const attempts = (state.chatlessAttempts.get(row.rowid) ?? 0) + 1;
      state.chatlessAttempts.set(row.rowid, attempts);
      // Nothing of the batch goes out and the cursor stays put, so the row stays inside the frontier.
      if (attempts <= chatlessRetryLimit) return { deliveries: [], retry: true };
      state.chatlessAttempts.delete(row.rowid);
      state.dropped.add(row.rowid);
      continue;
    }
    state.chatlessAttempts.delete(row.rowid);
    const previewRowid = entry.preview?.rowid ?? (isUrlPreviewRow(row) ? row.rowid : undefined);
    if (previewRowid !== undefined) {
      if (previews.has(previewRowid)) continue;
      previews.add(previewRowid);
    }
    if (entry.preview === undefined && isUrlPreviewRow(row) && options.isRepeatedBalloon(row)) continue;
    deliverable.push(entry);
  }

  const deliveries: Delivery[] = [];
  let nextUndelivered = firstHeld;
  for (let index = deliverable.length - 1; index >= 0; index -= 1) {
    const entry = deliverable[index]!;
    const cursor = Math.max(state.cursor, nextUndelivered === undefined ? maxScanned : nextUndelivered - 1);
    deliveries.unshift({ logical: entry, cursor });
    nextUndelivered = Math.min(nextUndelivered ?? entry.row.rowid, entry.row.rowid);
  }
  for (const { logical: entry } of deliveries) {
    const previewRowid = entry.preview?.rowid ?? (isUrlPreviewRow(entry.row) ? entry.row.rowid : undefined);
    if (previewRowid !== undefined) state.deliveredPreviews.add(previewRowid);
  }
  if (firstHeld !== undefined) state.cursor = Math.max(state.cursor, firstHeld - 1);
  else state.cursor = Math.max(state.cursor, maxScanned);
  prune(state);
  return { deliveries, retry: false, ...(boundary === undefined ? {} : { wakeAt: boundary.wakeAt }) };
}

function prune(state: WatchBatchState): void {
  const cursor = state.cursor;
  for (let index = state.cohorts.length - 1; index >= 0; index -= 1) {
    if (state.cohorts[index]!.throughRowid <= cursor) state.cohorts.splice(index, 1);
  }
  for (const set of [state.deliveredPreviews, state.dropped]) {
    for (const rowid of set) if (rowid <= cursor) set.delete(rowid);
  }
}
