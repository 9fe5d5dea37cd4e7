import { describe, expect, it } from "vitest";
import type { CatchupMessage } from "./catchup-source.ts";
import { planReplay } from "./plan-replay.ts";

const base = Date.parse("2026-05-01T12:00:00.000Z");
function row(id: number, minutesAgo: number, extra: Partial<CatchupMessage> = {}): CatchupMessage {
  return {
    id,
    guid: `G${id}`,
    chatId: 1,
    isFromMe: false,
    createdAt: new Date(base - minutesAgo * 60_000).toISOString(),
    ...extra,
  };
}

const plan = (rows: CatchupMessage[], perRunLimit = 50, givenUp: string[] = []) =>
  planReplay({
    rows,
    cursor: { lastSeenRowid: 10, lastSeenMs: base - 60 * 60_000 },
    fenceMs: base - 120 * 60_000,
    perRunLimit,
    isGivenUp: (guid) => givenUp.includes(guid),
  });

describe("planReplay", () => {
  it("walks rows newer than the cursor in rowid order, whatever order the chats gave them in", () => {
    const result = plan([row(14, 1), row(9, 70), row(12, 3), row(10, 65), row(11, 5)]);
    expect(result.steps.map((step) => step.row.id)).toEqual([11, 12, 14]);
    expect(result.fetchedCount).toBe(3);
  });

  it("names a skip for reactions, our own rows, rows past the age fence and given-up guids", () => {
    const result = plan(
      [row(11, 1, { isReaction: true }), row(12, 1, { isFromMe: true }), row(13, 500), row(14, 1), row(15, 1)],
      50,
      ["G14"],
    );
    expect(result.steps.map((step) => step.action)).toEqual([
      "skip-reaction",
      "skip-from-me",
      "skip-too-old",
      "skip-given-up",
      "dispatch",
    ]);
  });

  it("cuts right after the perRunLimit-th dispatchable row, keeping the oldest", () => {
    const result = plan(
      [row(11, 9), row(12, 8, { isFromMe: true }), row(13, 7), row(14, 6, { isFromMe: true }), row(15, 5)],
      2,
    );
    expect(result.steps.map((step) => step.row.id)).toEqual([11, 12, 13]);
    expect(result).toMatchObject({ capped: true, dispatchableCount: 3, fetchedCount: 5 });
  });

  it("gives rows already handled (re-fetched behind a held cursor) no cap slot", () => {
    const rows = [row(11, 9), row(12, 8), row(13, 7), row(14, 6), row(15, 5)];
    const result = planReplay({
      rows,
      cursor: { lastSeenRowid: 10, lastSeenMs: base - 60 * 60_000 },
      fenceMs: base - 120 * 60_000,
      perRunLimit: 2,
      isGivenUp: () => false,
      isHandled: (guid) => guid === "G11" || guid === "G12" || guid === "G14",
    });
    expect(result.steps.map((step) => [step.row.id, step.action])).toEqual([
      [11, "skip-handled"],
      [12, "skip-handled"],
      [13, "dispatch"],
      [14, "skip-handled"],
      [15, "dispatch"],
    ]);
    expect(result).toMatchObject({ capped: false, dispatchableCount: 2 });
  });
});
