import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CursorMoved, RowCursor, type RowOrigin } from "./row-cursor.ts";

type Step = { kind: "begin"; rowid: number; origin: RowOrigin } | { kind: "settle"; rowid: number };

/**
 * Rows above `start`, each live or replayed, with its begin and settle shuffled into one interleaving. Live rows
 * begin in rowid order (the stream's order); replayed rows begin whenever, each settle comes after its begin.
 */
const scenario = fc
  .record({
    start: fc.integer({ min: 0, max: 50 }),
    rows: fc.uniqueArray(fc.record({ offset: fc.integer({ min: 1, max: 200 }), live: fc.boolean() }), {
      selector: (row) => row.offset,
      maxLength: 40,
    }),
    order: fc.array(fc.nat(), { maxLength: 200 }),
    settleAll: fc.boolean(),
  })
  .map(({ start, rows, order, settleAll }) => {
    const live = rows.filter((row) => row.live).sort((a, b) => a.offset - b.offset);
    const replayed = rows.filter((row) => !row.live);
    // Queues the interleaving draws from: the live stream in order, replayed rows any time, settles once begun.
    const queues: Step[][] = [live.map((row) => ({ kind: "begin", rowid: start + row.offset, origin: "live" }))];
    for (const row of replayed) queues.push([{ kind: "begin", rowid: start + row.offset, origin: "replayed" }]);
    const steps: Step[] = [];
    const pending: number[] = [];
    let pick = 0;
    const next = (): number => order[pick++ % Math.max(1, order.length)] ?? 0;
    for (;;) {
      const sources = queues.filter((queue) => queue.length > 0);
      const choices = sources.length + (pending.length > 0 ? 1 : 0);
      if (choices === 0) break;
      const choice = next() % choices;
      if (choice < sources.length) {
        const step = sources[choice]!.shift()!;
        steps.push(step);
        pending.push(step.rowid);
      } else {
        const [rowid] = pending.splice(next() % pending.length, 1);
        // Without settleAll, some rows never settle (a failed dispatch, a turn still running).
        if (settleAll || next() % 4 !== 0) steps.push({ kind: "settle", rowid: rowid! });
      }
    }
    return { start, steps, settleAll };
  });

describe("RowCursor properties", () => {
  it("never passes an open row, never moves back, never passes the live stream, and ends at the max when all settle", () => {
    fc.assert(
      fc.property(scenario, ({ start, steps, settleAll }) => {
        const cursor = new RowCursor<number>(start);
        const moves: CursorMoved<number>[] = [];
        cursor.on("moved", (moved) => moves.push(moved));
        const open = new Set<number>();
        let highestLive = start;
        let previous = start;
        for (const step of steps) {
          if (step.kind === "begin") {
            const taken = cursor.begin(step.rowid, step.origin, step.rowid);
            // A live row comes in order, so it is never behind the cursor when it arrives.
            if (step.origin === "live") expect(taken).toBe(true);
            if (taken) open.add(step.rowid);
            if (step.origin === "live") highestLive = Math.max(highestLive, step.rowid);
          } else {
            cursor.settle(step.rowid);
            open.delete(step.rowid);
          }
          const position = cursor.position;
          for (const rowid of open) expect(position).toBeLessThan(rowid);
          expect(position).toBeGreaterThanOrEqual(previous);
          expect(position).toBeLessThanOrEqual(highestLive);
          previous = position;
        }
        for (const [index, moved] of moves.entries()) {
          expect(moved.rowid).toBeGreaterThan(moved.previous);
          if (index > 0) expect(moved.previous).toBe(moves[index - 1]!.rowid);
          expect(moved.newest).toBe(moved.passed.at(-1));
          expect(moved.passed).toEqual([...moved.passed].sort((a, b) => a - b));
          for (const rowid of moved.passed) {
            expect(rowid).toBeLessThanOrEqual(moved.rowid);
            expect(rowid).toBeGreaterThan(moved.previous);
          }
        }
        expect(moves.at(-1)?.rowid ?? start).toBe(cursor.position);
        if (settleAll) {
          expect(cursor.openCount).toBe(0);
          expect(cursor.position).toBe(highestLive);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("ends at the highest row when all settle and the highest row is live, whatever the interleaving", () => {
    fc.assert(
      fc.property(scenario, ({ start, steps, settleAll }) => {
        fc.pre(settleAll);
        const cursor = new RowCursor(start);
        let highest = start;
        let highestIsLive = true;
        for (const step of steps) {
          if (step.kind === "begin") {
            cursor.begin(step.rowid, step.origin);
            if (step.rowid > highest) {
              highest = step.rowid;
              highestIsLive = step.origin === "live";
            }
          } else cursor.settle(step.rowid);
        }
        if (highestIsLive) expect(cursor.position).toBe(highest);
        // Once the stream reaches the replayed rows, the cursor passes them too.
        cursor.streamStartsAfter(highest);
        expect(cursor.position).toBe(highest);
      }),
      { numRuns: 1000 },
    );
  });
});
