/**
 * The cursor that is safe to persist: the highest rowid such that every row at or below it has settled
 * (dispatched, answered or deliberately dropped). Rows settle out of order (a slow agent, a coalescing window),
 * so the cursor never jumps past a row that is still in flight: a crash then replays it instead of losing it.
 * Only the live stream comes in rowid order: a replayed (catchup) row can be ahead of it, so the cursor never
 * passes the highest live row either — otherwise rows the stream has not delivered yet would count as handled
 * and be dropped when they arrive (the soak found this).
 */
export class Watermark {
  #cursor: number;
  readonly #open = new Set<number>();
  #highestSeen: number;

  constructor(initialCursor: number) {
    this.#cursor = initialCursor;
    this.#highestSeen = initialCursor;
  }

  get cursor(): number {
    return this.#cursor;
  }

  /** Rows currently in flight. */
  get inFlight(): number {
    return this.#open.size;
  }

  /** True while `rowid` is in flight (a re-streamed copy of it must not settle it). */
  has(rowid: number): boolean {
    return this.#open.has(rowid);
  }

  /**
   * A row arrived and is being processed. Rows at or below the cursor are ignored (already settled). A replayed
   * row is tracked but does not raise the high-water mark: rows between it and the live stream may be unseen.
   */
  begin(rowid: number, origin: "live" | "replayed" = "live"): void {
    if (rowid <= this.#cursor) return;
    this.#open.add(rowid);
    if (origin === "live" && rowid > this.#highestSeen) this.#highestSeen = rowid;
  }

  /** A row settled; returns the new cursor. */
  settle(rowid: number): number {
    this.#open.delete(rowid);
    return this.#advance();
  }

  /**
   * The live stream starts after `rowid` (where imsg was subscribed from): no live row at or below it will come,
   * so the cursor may move up to it once nothing below it is open. Returns the new cursor.
   */
  streamStartsAfter(rowid: number): number {
    if (rowid > this.#highestSeen) this.#highestSeen = rowid;
    return this.#advance();
  }

  #advance(): number {
    const lowestOpen = this.#open.size > 0 ? Math.min(...this.#open) : Number.POSITIVE_INFINITY;
    const candidate = Math.min(this.#highestSeen, lowestOpen - 1);
    if (candidate > this.#cursor) this.#cursor = candidate;
    return this.#cursor;
  }
}
