import { type Clock, createCoalescer, imsgMessageAccessors } from "@imessage-channel/coalescer";
import type { PendingRow, TurnBuffer, TurnRows } from "./pipeline-types.ts";

/**
 * The coalescer over pipeline rows: same-sender DM rows inside the window become one turn (Apple's split sends),
 * groups and a 0 ms window pass straight through. Every row of a bucket is handed on, not only the entries the
 * merge keeps, so each one is committed and settles the cursor.
 */
export function createTurnBuffer(options: {
  accountId: string;
  windowMs: number;
  sink: (turn: TurnRows) => Promise<void>;
  onError: (error: unknown) => void;
  clock?: Clock;
}): TurnBuffer & { waitingRows(): number } {
  const accessors = imsgMessageAccessors<unknown, PendingRow["message"]>(options.accountId);
  const waiting = new Map<string, PendingRow[]>();
  const inFlight = new Set<Promise<void>>();
  const coalescer = createCoalescer<PendingRow, unknown>({
    windowMs: options.windowMs,
    clock: options.clock,
    // Groups and tapback events are never merged with other rows.
    keyOf: (row) => (row.decision.isGroup || row.message.isReaction ? undefined : accessors.keyOf(row.message)),
    textOf: (row) => row.message.text,
    attachmentsOf: (row) => row.message.attachments,
    guidOf: (row) => row.message.guid,
    endsComposition: (row) => accessors.endsComposition?.(row.message) ?? false,
    onTurn: (turn) => {
      // A bucket whose window ran out can go out while a new row of the same key is being pushed: take only
      // this turn's rows (the oldest rowCount of the key), the rest belong to the next turn.
      const queued = turn.key === undefined ? undefined : waiting.get(turn.key);
      const rows = queued ? queued.splice(0, turn.rowCount) : turn.entries;
      if (turn.key !== undefined && queued?.length === 0) waiting.delete(turn.key);
      const running = options.sink({ rows, text: turn.text, entries: turn.entries }).catch(options.onError);
      inFlight.add(running);
      void running.finally(() => inFlight.delete(running));
    },
  });
  return {
    add(row) {
      // Only rows the coalescer may hold are tracked: with a 0 ms window every row passes straight through,
      // and tracking it anyway kept every DM row in memory for the life of the process.
      const key =
        options.windowMs > 0 && !row.decision.isGroup && !row.message.isReaction
          ? accessors.keyOf(row.message)
          : undefined;
      if (key !== undefined) {
        const queued = waiting.get(key);
        if (queued) queued.push(row);
        else waiting.set(key, [row]);
      }
      coalescer.push(row);
    },
    waitingRows: () => [...waiting.values()].reduce((sum, rows) => sum + rows.length, 0),
    async flush() {
      coalescer.flush();
      await Promise.all(inFlight);
    },
  };
}
