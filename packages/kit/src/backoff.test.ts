import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.ts";

describe("backoffDelay", () => {
  it("doubles from the first delay up to the cap", () => {
    const steps = [1, 2, 3, 4, 5, 6].map((attempt) =>
      backoffDelay(attempt, { initialMs: 250, maxMs: 5000, jitter: "none" }),
    );
    expect(steps).toEqual([250, 500, 1000, 2000, 4000, 5000]);
  });

  it("equal jitter stays between half the step and the step", () => {
    const policy = { initialMs: 1000, maxMs: 30_000, jitter: "equal" } as const;
    expect(backoffDelay(3, policy, () => 0)).toBe(2000);
    expect(backoffDelay(3, policy, () => 0.999_999)).toBeCloseTo(4000, 0);
  });

  it("proportional jitter (the default) stays within ±25% of the step", () => {
    expect(backoffDelay(2, { initialMs: 2000 }, () => 0)).toBe(3000);
    expect(backoffDelay(2, { initialMs: 2000 }, () => 0.5)).toBe(4000);
    expect(backoffDelay(2, { initialMs: 2000 }, () => 1)).toBe(5000);
  });

  it("does not overflow after many failures", () => {
    expect(backoffDelay(10_000, { initialMs: 1000, maxMs: 60_000, jitter: "none" })).toBe(60_000);
    expect(backoffDelay(0, { initialMs: 1000, jitter: "none" })).toBe(1000);
  });
});
