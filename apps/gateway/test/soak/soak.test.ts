// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { describe, expect, it } from "vitest";
import type { ChaosKind } from "./chaos.ts";
import { formatSoakReport } from "./format-soak-report.ts";
import { runSoak } from "./run-soak.ts";

// The connection, restart and lost-answer kinds; soak-state-chaos.test.ts runs the others beside this file.
const kinds: ChaosKind[] = [
  "kill-imsg",
  "lost-send-outcomes",
  "restart-gateway-sigkill",
  "malformed-lines",
  "drop-ssh",
  "restart-gateway-sigterm",
  "slow-agent",
];

describe("soak (short version of `pnpm soak`)", () => {
  it("loses nothing, doubles nothing and lets no stranger through under imsg, SSH and restart chaos", async () => {
    const report = await runSoak({
      durationMs: 36_000,
      chaosEveryMs: 4_000,
      ratePerSecond: 6,
      seed: 9,
      chaosKinds: kinds,
    });
    // The whole report on failure: which rows, which chaos, which problem.
    expect(report.problems, formatSoakReport(report)).toEqual([]);
    expect(report.ok).toBe(true);
    // Every request the channel sent was one this release accepts (docs/testing.md, Strict contract).
    expect(report.imsgVersion).toBe(process.env.IMSG_SIM_VERSION);
    expect(report.protocolErrors).toBe(0);
    for (const kind of kinds) expect(report.chaosCounts[kind], `chaos ${kind} ran`).toBeGreaterThan(0);
    const { verdict } = report;
    expect(verdict.expectedDispatches).toBeGreaterThan(100);
    expect(verdict.injected - verdict.expectedDispatches).toBeGreaterThan(0);
    // Each kill, drop and restart ended in a new imsg stream; the malformed line was seen and skipped.
    const reconnects =
      report.chaosCounts["kill-imsg"] +
      report.chaosCounts["drop-ssh"] +
      report.chaosCounts["malformed-lines"] +
      report.chaosCounts["lost-send-outcomes"];
    const restarts = report.chaosCounts["restart-gateway-sigterm"] + report.chaosCounts["restart-gateway-sigkill"];
    expect(report.imsgConnections).toBeGreaterThanOrEqual(1 + reconnects + restarts);
    expect(report.skippedLines).toBeGreaterThan(0);
    expect(report.rss.samples).toBeGreaterThan(10);
    // Friends repeated the agent's replies word for word, and each such row was answered like any other.
    expect(report.repeatedReplyRows.written).toBeGreaterThan(0);
    // A row whose reply's part is unknown was reported to the operator, not lost (docs/exactly-once.md).
    expect(report.repeatedReplyRows.answered + report.repeatedReplyRows.reportedUnknown).toBe(
      report.repeatedReplyRows.written,
    );
  }, 120_000);
});
