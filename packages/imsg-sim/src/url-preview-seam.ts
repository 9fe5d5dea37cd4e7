import type { MessageRow } from "./message-row.ts";

/** A physical row as the RPC reports it: a user-visible message, or a preview row folded into the text before it. */
export interface ScannedRow {
  row: MessageRow;
  /** True when the row is a URL-preview row that 0.11.1+ folds into its text message (not emitted on its own). */
  folded: boolean;
}

/**
 * The seam where URL-preview coalescing (docs/imsg-protocol.md, New fields) marks rows that are not emitted on their
 * own; `messages.after` passes over them, so its `next_rowid` can run ahead of the last returned id. Until the
 * coalescer is wired in here, every row is user-visible.
 */
export function scanRows(rows: readonly MessageRow[]): ScannedRow[] {
  return rows.map((row) => ({ row, folded: false }));
}
