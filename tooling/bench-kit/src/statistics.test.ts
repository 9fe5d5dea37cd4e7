import { describe, expect, it } from "vitest";
import { median, percentile } from "./statistics.ts";

describe("percentile", () => {
  it("takes the nearest rank below: p50 and p99 of 1..100", () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 0.5)).toBe(51);
    expect(percentile(values, 0.99)).toBe(100);
    expect(percentile(values, 1)).toBe(100);
  });

  it("is NaN for no values, which recordFigure refuses", () => {
    expect(percentile([], 0.5)).toBeNaN();
  });
});

describe("median", () => {
  it("sorts a copy and takes the middle", () => {
    const runs = [700, 650, 900];
    expect(median(runs)).toBe(700);
    expect(runs).toEqual([700, 650, 900]);
  });
});
