import { describe, expect, it } from "vitest";
import { latencySummary, pairedRatio } from "./paired-statistics.ts";

describe("pairedRatio", () => {
  it("takes the ratio within each repetition, then the median of those, not the ratio of medians", () => {
    // Repetition 3 ran on a loaded machine: both sides slowed, the ratio did not.
    const ours = [100, 110, 50, 105, 95];
    const reference = [50, 55, 25, 70, 38];
    const paired = pairedRatio(ours, reference, (mine, theirs) => mine / theirs);
    expect(paired.perRepetition).toEqual([2, 2, 2, 1.5, 2.5]);
    expect(paired.median).toBe(2);
    expect([paired.min, paired.max]).toEqual([1.5, 2.5]);
  });

  it("takes the orientation it is given (reference time / ours: how many times faster)", () => {
    expect(pairedRatio([0.5, 1], [20, 30], (mine, theirs) => theirs / mine).perRepetition).toEqual([40, 30]);
  });

  it("refuses unpaired or empty measurements and a ratio that is not finite", () => {
    expect(() => pairedRatio([1, 2], [1], (a, b) => a / b)).toThrow(/as many measurements on each side/);
    expect(() => pairedRatio([], [], (a, b) => a / b)).toThrow(/at least one/);
    expect(() => pairedRatio([1], [0], (a, b) => a / b)).toThrow(/not finite/);
  });
});

describe("latencySummary", () => {
  it("gives p50 and p99 by nearest rank below, whatever order the samples came in", () => {
    const samples = Array.from({ length: 100 }, (_, index) => 100 - index);
    expect(latencySummary(samples)).toEqual({ p50: 51, p99: 100 });
  });
});
