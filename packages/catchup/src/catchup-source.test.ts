import { describe, expect, it } from "vitest";
import { chooseCatchupSource } from "./catchup-source.ts";

describe("chooseCatchupSource", () => {
  it("reads with messages.after from a cursor that has passed a row when the connection negotiated it", () => {
    expect(chooseCatchupSource(["messages.history", "messages.after"], { lastSeenRowid: 42 })).toEqual({
      method: "messages.after",
      reason: "from rowid 42",
    });
  });

  it("reads with messages.history on an imsg without messages.after (before 0.14, or not usable now)", () => {
    expect(chooseCatchupSource(undefined, { lastSeenRowid: 42 }).method).toBe("messages.history");
    expect(chooseCatchupSource(["messages.history", "watch.subscribe"], { lastSeenRowid: 42 }).method).toBe(
      "messages.history",
    );
  });

  it("opens a first run's window (cursor at rowid 0) with messages.history, whose window is in time", () => {
    expect(chooseCatchupSource(["messages.after"], { lastSeenRowid: 0 })).toEqual({
      method: "messages.history",
      reason: "first run: the lookback window is in time, not rowids",
    });
  });
});
