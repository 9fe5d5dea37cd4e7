import { describe, expect, it } from "vitest";
import { Watermark } from "./watermark.ts";

describe("Watermark", () => {
  it("advances as rows settle in order", () => {
    const mark = new Watermark(10);
    mark.begin(11);
    mark.begin(12);
    expect(mark.settle(11)).toBe(11);
    expect(mark.settle(12)).toBe(12);
  });

  it("holds below a row that is still in flight when a later one settles first", () => {
    const mark = new Watermark(10);
    mark.begin(11);
    mark.begin(12);
    mark.begin(13);
    expect(mark.settle(13)).toBe(10);
    expect(mark.settle(12)).toBe(10);
    expect(mark.settle(11)).toBe(13);
  });

  it("moves up to just below the next open row across rowid gaps (rows stream in rowid order)", () => {
    const mark = new Watermark(0);
    mark.begin(5);
    mark.begin(9);
    expect(mark.settle(5)).toBe(8);
    expect(mark.settle(9)).toBe(9);
    expect(mark.inFlight).toBe(0);
  });

  it("ignores replays at or below the cursor", () => {
    const mark = new Watermark(20);
    mark.begin(15);
    expect(mark.inFlight).toBe(0);
    expect(mark.settle(15)).toBe(20);
  });

  it("never passes the live stream for a replayed row that is ahead of it (the rows between are still to come)", () => {
    const mark = new Watermark(995);
    mark.begin(996);
    mark.begin(997);
    expect(mark.settle(996)).toBe(996);
    expect(mark.settle(997)).toBe(997);
    // Catchup fetched 1001 before the stream delivered 998–1001.
    mark.begin(1001, "replayed");
    expect(mark.settle(1001)).toBe(997);
    mark.begin(998);
    mark.begin(999);
    expect(mark.settle(998)).toBe(998);
    expect(mark.settle(999)).toBe(999);
    mark.begin(1001);
    expect(mark.settle(1001)).toBe(1001);
  });

  it("moves to where the stream starts, so that start is saved, but never past a row still open", () => {
    const fresh = new Watermark(0);
    // A first start subscribes after the newest row (say 4200): a restart must resume there, not tail again.
    expect(fresh.streamStartsAfter(4200)).toBe(4200);
    fresh.begin(4201);
    expect(fresh.settle(4201)).toBe(4201);

    const reconnected = new Watermark(10);
    reconnected.begin(11);
    expect(reconnected.streamStartsAfter(12)).toBe(10);
    expect(reconnected.settle(11)).toBe(12);
  });
});
