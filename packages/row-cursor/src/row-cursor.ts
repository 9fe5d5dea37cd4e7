/**
 * Where a row came from. A `live` row comes from the stream, which delivers rows in rowid order: once it is seen,
 * no unseen row lies below it, so the cursor may pass the gaps up to it. A `replayed` row (catchup, history) can be
 * ahead of the stream: the rows between it and the stream may still come, so it never raises that bound.
 */
export type RowOrigin = "live" | "replayed";

/** The one event: the cursor moved forward. */
export interface CursorMoved<Row> {
  /** The new cursor: every row at or below it settled. */
  rowid: number;
  /** The cursor before this move. */
  previous: number;
  /** The highest row this move passed that was begun with a payload (undefined when it passed none). */
  newest: Row | undefined;
  /** Every row with a payload this move passed, in rowid order (`newest` is the last). */
  passed: Row[];
}

export type CursorMovedListener<Row> = (moved: CursorMoved<Row>) => void;

/**
 * The cursor that is safe to persist: the highest rowid such that every row at or below it has settled
 * (dispatched, answered or deliberately dropped). Rows settle out of order (a slow agent, a coalescing window),
 * so the cursor never passes a row that is still open: a crash then replays it instead of losing it. It never
 * passes the highest live row either (or where the stream starts): a replayed row can be ahead of the stream,
 * and rows the stream has not delivered yet must not count as handled (the soak lost a row to exactly that).
 *
 * Begin and settle come in pairs; a rowid begun twice is open until both settled (a replay pass and the live path
 * may hold the same row). Pure: no clock, no IO; whoever persists listens to `moved`.
 */
export class RowCursor<Row = never> {
  #position: number;
  /** Highest rowid the stream vouches for: the highest live row begun, or where the stream starts. */
  #streamBound: number;
  /** Open rowids and how many begins each still waits to settle. */
  readonly #open = new Map<number, number>();
  /** Payloads of open rows (the latest given). */
  readonly #rows = new Map<number, Row>();
  /** Payloads of settled rows the cursor has not passed yet. */
  readonly #settled = new Map<number, Row>();
  readonly #listeners = new Set<CursorMovedListener<Row>>();

  /** `start`: rows at or below it settled before (the saved cursor). */
  constructor(start: number) {
    this.#position = start;
    this.#streamBound = start;
  }

  get position(): number {
    return this.#position;
  }

  /** Distinct rows currently open. */
  get openCount(): number {
    return this.#open.size;
  }

  /** True while `rowid` is open (a re-streamed copy of it must not settle it). */
  isOpen(rowid: number): boolean {
    return this.#open.has(rowid);
  }

  on(_event: "moved", listener: CursorMovedListener<Row>): this {
    this.#listeners.add(listener);
    return this;
  }

  off(_event: "moved", listener: CursorMovedListener<Row>): this {
    this.#listeners.delete(listener);
    return this;
  }

  /**
   * A row is being processed. Returns false, and tracks nothing, when it is at or below the cursor (settled
   * before). `row` is handed back as `newest` of the move that passes it.
   *
   * `frontier` is how far the stream vouches for a live row: imsg 0.14+ gives each live row a `cursor`, below which
   * every row was delivered (docs/imsg-protocol.md#watch-on-010). It can be lower than the row's id (a row
   * emitted while an earlier text row waits for its link preview) or higher (the preview folded into the row), so
   * the stream bound rises to it, not to the id. Without it (imsg before 0.14) the id is the frontier.
   */
  begin(rowid: number, origin: RowOrigin, row?: Row, frontier?: number): boolean {
    if (rowid <= this.#position) return false;
    this.#open.set(rowid, (this.#open.get(rowid) ?? 0) + 1);
    if (row !== undefined) this.#rows.set(rowid, row);
    const vouched = frontier ?? rowid;
    if (origin === "live" && vouched > this.#streamBound) this.#streamBound = vouched;
    return true;
  }

  /** One begin of `rowid` finished; the cursor moves if nothing open is below it any more. */
  settle(rowid: number): void {
    const count = this.#open.get(rowid);
    if (count === undefined) return;
    if (count > 1) {
      this.#open.set(rowid, count - 1);
      return;
    }
    this.#open.delete(rowid);
    const row = this.#rows.get(rowid);
    this.#rows.delete(rowid);
    if (row !== undefined) this.#settled.set(rowid, row);
    this.#advance();
  }

  /**
   * The live stream starts after `rowid` (where imsg was subscribed from): no live row at or below it will come,
   * so the cursor may move up to it once nothing below it is open.
   */
  streamStartsAfter(rowid: number): void {
    if (rowid > this.#streamBound) this.#streamBound = rowid;
    this.#advance();
  }

  /**
   * The database under the cursor was replaced (a restore, another chat.db): its rowids start over, so the cursor
   * stands at `rowid` (usually lower) and forgets every open and settled row; their settles are ignored. No `moved`
   * event: the cursor went back, which a move never does — whoever persists it saves `rowid` itself.
   */
  rebase(rowid: number): void {
    this.#position = rowid;
    this.#streamBound = rowid;
    this.#open.clear();
    this.#rows.clear();
    this.#settled.clear();
  }

  #lowestOpen(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const rowid of this.#open.keys()) if (rowid < lowest) lowest = rowid;
    return lowest;
  }

  #advance(): void {
    const candidate = Math.min(this.#streamBound, this.#lowestOpen() - 1);
    if (candidate <= this.#position) return;
    const previous = this.#position;
    this.#position = candidate;
    const passedRowids: number[] = [];
    for (const rowid of this.#settled.keys()) if (rowid <= candidate) passedRowids.push(rowid);
    passedRowids.sort((a, b) => a - b);
    const passed: Row[] = [];
    for (const rowid of passedRowids) {
      passed.push(this.#settled.get(rowid) as Row);
      this.#settled.delete(rowid);
    }
    const moved: CursorMoved<Row> = { rowid: candidate, previous, newest: passed.at(-1), passed };
    for (const listener of [...this.#listeners]) listener(moved);
  }
}
