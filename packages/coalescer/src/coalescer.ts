import { type Clock, systemClock } from "@imessage-channel/kit";
import { CoalescerError } from "./coalescer-error.ts";
import { Bucket, type CoalescedTurn, type RowAccessors, singleRowTurn } from "./merge.ts";

export interface CoalescerOptions<Row, Attachment> extends RowAccessors<Row, Attachment> {
  /** Quiet time after a key's latest row before its turn goes out; 0 dispatches every row at once. */
  windowMs: number;
  /** Upper bound on how long the first row of a bucket waits, however often new rows extend it. Default 2 × windowMs. */
  maxWaitMs?: number;
  /** The bucket key (account + chat + sender); undefined means the row is never coalesced (group chats). */
  keyOf(row: Row): string | undefined;
  /** A row after which nothing more of the same composition can come; its bucket goes out at once. */
  endsComposition?(row: Row): boolean;
  onTurn(turn: CoalescedTurn<Row, Attachment>): void;
  /** Receives what `onTurn` throws; without it the throw reaches the caller (or the timer). */
  onError?(error: unknown, turn: CoalescedTurn<Row, Attachment>): void;
  clock?: Clock;
}

/** A keyed debouncer that merges rows of one key arriving close together into one turn. */
export interface Coalescer<Row> {
  push(row: Row): void;
  /** Emits every buffered bucket now, oldest first, and cancels their timers. */
  flush(): void;
  /** Flushes, then passes every later row straight through: for shutdown, so nothing buffered is lost. */
  close(): void;
  /** How many rows are waiting in buckets. */
  readonly bufferedRowCount: number;
}

interface PendingBucket<Row, Attachment> {
  bucket: Bucket<Row, Attachment>;
  rowCount: number;
  timer: unknown;
}

function validateWindow(windowMs: number, maxWaitMs: number): void {
  if (!Number.isFinite(windowMs) || windowMs < 0) {
    throw new CoalescerError(
      "WINDOW_INVALID",
      `coalescer windowMs ${windowMs} is not a non-negative number of milliseconds; pass 0 to dispatch every row at once`,
    );
  }
  if (!Number.isFinite(maxWaitMs) || maxWaitMs < windowMs) {
    throw new CoalescerError(
      "WINDOW_INVALID",
      `coalescer maxWaitMs ${maxWaitMs} is below windowMs ${windowMs}; pass a maxWaitMs of at least the window`,
    );
  }
}

/**
 * The window slides: each new row of a key restarts its quiet time, so a third row of one composition
 * (text, image, URL) still joins; `maxWaitMs` measured from the bucket's first row bounds the added latency.
 * A row arriving exactly `windowMs` after the previous one (or exactly at `maxWaitMs`) starts a new bucket.
 */
export function createCoalescer<Row, Attachment>(options: CoalescerOptions<Row, Attachment>): Coalescer<Row> {
  const { windowMs, clock = systemClock } = options;
  const maxWaitMs = options.maxWaitMs ?? windowMs * 2;
  validateWindow(windowMs, maxWaitMs);

  const pending = new Map<string, PendingBucket<Row, Attachment>>();
  let closed = false;

  function deadlineOf(bucket: Bucket<Row, Attachment>): number {
    return Math.min(bucket.lastAt + windowMs, bucket.firstAt + maxWaitMs);
  }

  function deliver(turn: CoalescedTurn<Row, Attachment>): void {
    if (!options.onError) {
      options.onTurn(turn);
      return;
    }
    try {
      options.onTurn(turn);
    } catch (error) {
      options.onError(error, turn);
    }
  }

  function emit(key: string): void {
    const entry = pending.get(key);
    if (!entry) return;
    pending.delete(key);
    clock.clearTimeout(entry.timer);
    deliver(entry.bucket.toTurn());
  }

  // Emits every bucket in creation order, even when one delivery throws, then reports the first throw.
  function emitAll(keys: string[]): void {
    let firstError: { error: unknown } | undefined;
    for (const key of keys) {
      try {
        emit(key);
      } catch (error) {
        firstError ??= { error };
      }
    }
    if (firstError) throw firstError.error;
  }

  // A timer that fires late must not let a newer row overtake rows whose window already ended.
  function emitExpired(now: number): void {
    const expired: string[] = [];
    for (const [key, entry] of pending) {
      if (now >= deadlineOf(entry.bucket)) expired.push(key);
    }
    if (expired.length > 0) emitAll(expired);
  }

  function schedule(key: string, entry: PendingBucket<Row, Attachment>, now: number): void {
    clock.clearTimeout(entry.timer);
    entry.timer = clock.setTimeout(
      () => {
        if (pending.get(key) === entry) emit(key);
      },
      Math.max(0, deadlineOf(entry.bucket) - now),
    );
  }

  function push(row: Row): void {
    const key = closed || windowMs === 0 ? undefined : options.keyOf(row);
    if (key === undefined) {
      deliver(singleRowTurn(undefined, row, options));
      return;
    }
    const now = clock.now();
    emitExpired(now);
    let entry = pending.get(key);
    if (entry) {
      entry.bucket.add(row, now);
      entry.rowCount += 1;
    } else {
      entry = { bucket: new Bucket(key, row, now, options), rowCount: 1, timer: undefined };
      pending.set(key, entry);
    }
    if (options.endsComposition?.(row)) {
      emit(key);
      return;
    }
    schedule(key, entry, now);
  }

  return {
    push,
    flush: () => emitAll([...pending.keys()]),
    close() {
      closed = true;
      emitAll([...pending.keys()]);
    },
    get bufferedRowCount() {
      let count = 0;
      for (const entry of pending.values()) count += entry.rowCount;
      return count;
    },
  };
}
