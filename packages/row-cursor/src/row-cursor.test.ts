import { describe, expect, it } from "vitest";
import { type CursorMoved, RowCursor } from "./row-cursor.ts";

/** A cursor and every move it announced. */
function cursorFrom(start: number) {
  const cursor = new RowCursor<string>(start);
  const moves: CursorMoved<string>[] = [];
  cursor.on("moved", (moved) => moves.push(moved));
  return { cursor, moves };
}

describe("RowCursor", () => {
  it("advances as rows settle in order", () => {
    const { cursor } = cursorFrom(10);
    cursor.begin(11, "live");
    cursor.begin(12, "live");
    cursor.settle(11);
    expect(cursor.position).toBe(11);
    cursor.settle(12);
    expect(cursor.position).toBe(12);
  });

  it("holds below a row that is still in flight when a later one settles first", () => {
    const { cursor } = cursorFrom(10);
    cursor.begin(11, "live");
    cursor.begin(12, "live");
    cursor.begin(13, "live");
    cursor.settle(13);
    expect(cursor.position).toBe(10);
    cursor.settle(12);
    expect(cursor.position).toBe(10);
    cursor.settle(11);
    expect(cursor.position).toBe(13);
  });

  it("moves up to just below the next open row across rowid gaps (rows stream in rowid order)", () => {
    const { cursor } = cursorFrom(0);
    cursor.begin(5, "live");
    cursor.begin(9, "live");
    cursor.settle(5);
    expect(cursor.position).toBe(8);
    cursor.settle(9);
    expect(cursor.position).toBe(9);
    expect(cursor.openCount).toBe(0);
  });

  it("never passes a row imsg 0.14+ has not delivered yet: a live row's frontier, not its id, bounds the cursor", () => {
    // Row 11 comes first while row 10 still waits for its link preview (row 12): imsg gives 11 the frontier 9.
    const { cursor } = cursorFrom(9);
    cursor.begin(11, "live", undefined, 9);
    cursor.settle(11);
    expect(cursor.position).toBe(9);
    // Row 10 arrives with its preview folded in: every row up to 12 is delivered now.
    cursor.begin(10, "live", undefined, 12);
    expect(cursor.position).toBe(9);
    cursor.settle(10);
    expect(cursor.position).toBe(12);
  });

  it("starts over at a lower rowid when the database was replaced, forgetting the rows of the old one", () => {
    const { cursor, moves } = cursorFrom(40);
    cursor.begin(41, "live");
    cursor.rebase(3);
    expect(cursor.position).toBe(3);
    expect(cursor.openCount).toBe(0);
    cursor.settle(41);
    expect(moves).toEqual([]);
    // Rows of the new database are taken from there.
    expect(cursor.begin(4, "live")).toBe(true);
    cursor.settle(4);
    expect(cursor.position).toBe(4);
  });

  it("ignores replays at or below the cursor", () => {
    const { cursor, moves } = cursorFrom(20);
    expect(cursor.begin(15, "live")).toBe(false);
    expect(cursor.openCount).toBe(0);
    cursor.settle(15);
    expect(cursor.position).toBe(20);
    expect(moves).toEqual([]);
  });

  it("never passes the live stream for a replayed row that is ahead of it (the rows between are still to come)", () => {
    const { cursor } = cursorFrom(995);
    cursor.begin(996, "live");
    cursor.begin(997, "live");
    cursor.settle(996);
    expect(cursor.position).toBe(996);
    cursor.settle(997);
    expect(cursor.position).toBe(997);
    // Catchup fetched 1001 before the stream delivered 998–1001.
    cursor.begin(1001, "replayed");
    cursor.settle(1001);
    expect(cursor.position).toBe(997);
    cursor.begin(998, "live");
    cursor.begin(999, "live");
    cursor.settle(998);
    expect(cursor.position).toBe(998);
    cursor.settle(999);
    expect(cursor.position).toBe(999);
    cursor.begin(1001, "live");
    cursor.settle(1001);
    expect(cursor.position).toBe(1001);
  });

  it("moves to where the stream starts, so that start is saved, but never past a row still open", () => {
    const fresh = cursorFrom(0);
    // A first start subscribes after the newest row (say 4200): a restart must resume there, not tail again.
    fresh.cursor.streamStartsAfter(4200);
    expect(fresh.moves).toEqual([{ rowid: 4200, previous: 0, newest: undefined, passed: [] }]);
    fresh.cursor.begin(4201, "live");
    fresh.cursor.settle(4201);
    expect(fresh.cursor.position).toBe(4201);

    const reconnected = cursorFrom(10);
    reconnected.cursor.begin(11, "live");
    reconnected.cursor.streamStartsAfter(12);
    expect(reconnected.cursor.position).toBe(10);
    reconnected.cursor.settle(11);
    expect(reconnected.cursor.position).toBe(12);
  });

  it("announces each move once, with the newest row it passed", () => {
    const { cursor, moves } = cursorFrom(0);
    cursor.begin(1, "live", "row 1");
    cursor.begin(2, "live", "row 2");
    cursor.begin(3, "live", "row 3");
    cursor.settle(2);
    cursor.settle(1);
    cursor.settle(3);
    expect(moves).toEqual([
      { rowid: 2, previous: 0, newest: "row 2", passed: ["row 1", "row 2"] },
      { rowid: 3, previous: 2, newest: "row 3", passed: ["row 3"] },
    ]);
  });

  it("keeps a row begun twice open until both settled (a replay pass and the live path holding the same row)", () => {
    const { cursor } = cursorFrom(0);
    cursor.begin(1, "live", "pass");
    cursor.begin(1, "live", "live");
    cursor.settle(1);
    expect(cursor.isOpen(1)).toBe(true);
    expect(cursor.position).toBe(0);
    cursor.settle(1);
    expect(cursor.isOpen(1)).toBe(false);
    expect(cursor.position).toBe(1);
  });

  it("stops telling a listener that was taken off", () => {
    const cursor = new RowCursor(0);
    const seen: number[] = [];
    const listener = (moved: CursorMoved<never>) => seen.push(moved.rowid);
    cursor.on("moved", listener);
    cursor.begin(1, "live");
    cursor.settle(1);
    cursor.off("moved", listener);
    cursor.begin(2, "live");
    cursor.settle(2);
    expect(seen).toEqual([1]);
  });
});
