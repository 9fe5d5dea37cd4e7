import type { CatchupMessage } from "./catchup-source.ts";
import type { CursorPosition } from "./cursor-store.ts";

/** Milliseconds since the epoch of a row's `createdAt`; NaN when imsg sent something unparseable. */
export function rowTimeMs(row: Pick<CatchupMessage, "createdAt">): number {
  return Date.parse(row.createdAt);
}

/** The cursor position just past `row`, never behind `from`. Live dispatch passes this to `advance`. */
export function positionAfter(row: CatchupMessage, from?: CursorPosition): CursorPosition {
  const timeMs = rowTimeMs(row);
  const rowMs = Number.isFinite(timeMs) ? timeMs : 0;
  return {
    lastSeenRowid: Math.max(from?.lastSeenRowid ?? 0, row.id),
    lastSeenMs: Math.max(from?.lastSeenMs ?? 0, rowMs),
  };
}
