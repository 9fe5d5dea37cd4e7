import type { SoakReport } from "./run-soak.ts";

/** The soak's result as a few plain lines an operator can paste into an issue. */
export function formatSoakReport(report: SoakReport): string {
  const { verdict } = report;
  const repeats = verdict.repeatedDispatches.filter((repeat) => repeat.excused).length;
  const inDoubt = report.chaos.hardKills.reduce((sum, kill) => sum + kill.inDoubt.length, 0);
  const chaos = Object.entries(report.chaosCounts)
    .map(([kind, count]) => `${kind} ×${count}`)
    .join(", ");
  const lines = [
    `soak ${report.ok ? "PASSED" : "FAILED"} after ${(report.durationMs / 1000).toFixed(0)} s against imsg ${report.imsgVersion}`,
    `rows written: ${verdict.injected} (${verdict.expectedDispatches} for the agent, ${verdict.injected - verdict.expectedDispatches} from a stranger)`,
    `agent turns: ${report.turns}; reply rows: ${report.replies}; never dispatched: ${verdict.neverDispatched.length}; never answered: ${verdict.neverAnswered.length}; stranger rows that reached the agent: ${verdict.leakedToAgent.length}`,
    `repeats: ${verdict.repeatedDispatches.length} dispatch(es), ${verdict.repeatedReplies.length} reply(ies); ${repeats} excused by a stop that left the row claimed (${inDoubt} row(s) were claimed at ${report.chaos.hardKills.length} SIGKILL(s) or shutdown(s) with turns running)`,
    `chaos: ${chaos}`,
    `rows repeating a fresh reply: ${report.repeatedReplyRows.written} written, ${report.repeatedReplyRows.answered} answered`,
    ...report.chaos.notWritable.map(
      (spell) =>
        `${spell.kind}: ${spell.degradedReason ? `status said "${spell.degradedReason}"` : "no degraded status seen"}`,
    ),
    ...report.chaos.shutdowns.map(
      (stop) =>
        `sigterm-then-sigkill pid ${stop.pid}: ${stop.exitedBeforeKill ? `exited ${String(stop.exit)} before the SIGKILL` : "SIGKILLed"}`,
    ),
    `imsg connections: ${report.imsgConnections}; bad lines skipped: ${report.skippedLines}; requests imsg refused (-32700/-32600/-32602): ${report.protocolErrors}`,
    `inject → reply latency: p50 ${report.latency.p50.toFixed(0)} ms, p99 ${report.latency.p99.toFixed(0)} ms, max ${report.latency.max.toFixed(0)} ms`,
    `gateway RSS: peak ${report.rss.peakMb.toFixed(0)} MB, last ${report.rss.lastMb.toFixed(0)} MB (limit ${report.rss.limitMb} MB, ${report.rss.samples} samples)`,
  ];
  for (const problem of report.problems) lines.push(`problem: ${problem}`);
  return lines.join("\n");
}
