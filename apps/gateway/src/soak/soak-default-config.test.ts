import { describe, expect, it } from "vitest";
import { formatSoakReport } from "./format-soak-report.ts";
import { runSoak } from "./run-soak.ts";

// Its own file, so it runs beside soak.test.ts rather than after it.
describe("soak with the default config (short version of `pnpm soak --coalesce off`)", () => {
  it("loses nothing with coalescing off (the config default: every DM row its own turn, settled at once)", async () => {
    const report = await runSoak({
      durationMs: 30_000,
      chaosEveryMs: 4_000,
      ratePerSecond: 6,
      seed: 13,
      coalesce: false,
    });
    expect(report.problems, formatSoakReport(report)).toEqual([]);
    expect(report.verdict.expectedDispatches).toBeGreaterThan(100);
    expect(
      report.chaosCounts["restart-gateway-sigkill"] + report.chaosCounts["restart-gateway-sigterm"],
    ).toBeGreaterThan(0);
  }, 120_000);
});
