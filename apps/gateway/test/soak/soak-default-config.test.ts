// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { describe, expect, it } from "vitest";
import { formatSoakReport } from "./format-soak-report.ts";
import { runSoak } from "./run-soak.ts";

// Its own file, so it runs beside soak.test.ts rather than after it.
describe("soak with the default config (short version of `pnpm soak --coalesce off --catchup off`)", () => {
  it("loses nothing with coalescing and catchup off (the config defaults: every DM row its own turn, restarts resume from the saved cursor)", async () => {
    const report = await runSoak({
      durationMs: 30_000,
      chaosEveryMs: 4_000,
      ratePerSecond: 6,
      seed: 13,
      coalesce: false,
      catchup: false,
      chaosKinds: ["kill-imsg", "restart-gateway-sigkill", "drop-ssh", "restart-gateway-sigterm", "malformed-lines"],
    });
    expect(report.problems, formatSoakReport(report)).toEqual([]);
    expect(report.verdict.expectedDispatches).toBeGreaterThan(100);
    expect(
      report.chaosCounts["restart-gateway-sigkill"] + report.chaosCounts["restart-gateway-sigterm"],
    ).toBeGreaterThan(1);
    // A row whose reply's part is unknown was reported to the operator, not lost (docs/exactly-once.md).
    expect(report.repeatedReplyRows.answered + report.repeatedReplyRows.reportedUnknown).toBe(
      report.repeatedReplyRows.written,
    );
  }, 120_000);
});
