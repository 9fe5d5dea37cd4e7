import { describe, expect, it } from "vitest";
import { chaosKinds } from "./chaos.ts";
import { formatSoakReport } from "./format-soak-report.ts";
import { runSoak } from "./run-soak.ts";

describe("soak (short version of `pnpm soak`)", () => {
  it("loses nothing, doubles nothing and lets no stranger through under every kind of chaos", async () => {
    const report = await runSoak({ durationMs: 36_000, chaosEveryMs: 4_000, ratePerSecond: 6, seed: 9 });
    // The whole report on failure: which rows, which chaos, which problem.
    expect(report.problems, formatSoakReport(report)).toEqual([]);
    expect(report.ok).toBe(true);
    for (const kind of chaosKinds) expect(report.chaosCounts[kind], `chaos ${kind} ran`).toBeGreaterThan(0);
    const { verdict } = report;
    expect(verdict.expectedDispatches).toBeGreaterThan(100);
    expect(verdict.injected - verdict.expectedDispatches).toBeGreaterThan(0);
    // Each kill, drop and restart ended in a new imsg stream; the malformed line was seen and skipped.
    const reconnects =
      report.chaosCounts["kill-imsg"] + report.chaosCounts["drop-ssh"] + report.chaosCounts["malformed-lines"];
    const restarts = report.chaosCounts["restart-gateway-sigterm"] + report.chaosCounts["restart-gateway-sigkill"];
    expect(report.imsgConnections).toBeGreaterThanOrEqual(1 + reconnects + restarts);
    expect(report.skippedLines).toBeGreaterThan(0);
    expect(report.rss.samples).toBeGreaterThan(10);
  }, 120_000);
});
