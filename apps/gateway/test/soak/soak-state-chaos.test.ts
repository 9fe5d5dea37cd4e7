// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { describe, expect, it } from "vitest";
import type { ChaosKind } from "./chaos.ts";
import { formatSoakReport } from "./format-soak-report.ts";
import { runSoak } from "./run-soak.ts";

// Its own file, so it runs beside soak.test.ts (which has the connection and restart kinds).
// The quick kinds first, so the two long state.db spells fit in the run even on a loaded machine.
const kinds: ChaosKind[] = ["deep-json-line", "sigterm-then-sigkill", "lock-state-db", "fill-state-dir"];

describe("soak under state.db and shutdown chaos (short version of `pnpm soak`)", () => {
  it("a locked or full state.db, a SIGTERM with slow turns and a deeply nested line lose and double nothing", async () => {
    const report = await runSoak({
      durationMs: 70_000,
      chaosEveryMs: 3_000,
      ratePerSecond: 6,
      seed: 21,
      chaosKinds: kinds,
    });
    expect(report.problems, formatSoakReport(report)).toEqual([]);
    for (const kind of kinds) expect(report.chaosCounts[kind], `chaos ${kind} ran`).toBeGreaterThan(0);
    // The status file said why rows waited, both while another process held the lock and while nothing could grow.
    expect(new Set(report.chaos.notWritable.map((spell) => spell.kind))).toEqual(
      new Set(["lock-state-db", "fill-state-dir"]),
    );
    for (const spell of report.chaos.notWritable)
      expect(spell.degradedReason, spell.kind).toMatch(/^state\.db not writable \(/);
    // Shutdown is bounded: the gateway exited by itself, within shutdown.timeoutSeconds, before the SIGKILL.
    expect(report.chaos.shutdowns.length).toBeGreaterThan(0);
    for (const shutdown of report.chaos.shutdowns) expect(shutdown).toMatchObject({ exitedBeforeKill: true, exit: 0 });
    expect(report.skippedLines).toBeGreaterThan(0);
    expect(report.rss.peakMb).toBeLessThan(report.rss.limitMb);
    expect(report.verdict.expectedDispatches).toBeGreaterThan(150);
  }, 240_000);
});
