import { lostSendOutcomes } from "./chaos.ts";
import type { SoakReport } from "./run-soak.ts";

const counted = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${name} ${count}`)
    .join(", ") || "none";

/** The outbound parts: by state and mode, doubled, lost silently, and each unknown part with why. */
function outboundLines(report: SoakReport): string[] {
  const lostSends = Object.fromEntries(
    lostSendOutcomes.map((outcome) => [
      outcome,
      report.chaos.lostSends.filter((fault) => fault.outcome === outcome).length,
    ]),
  );
  const faults = `send answers lost by chaos: ${counted(lostSends)}`;
  const outbound = report.verdict.outbound;
  if (!outbound) return [faults, "outbound parts: none kept by this gateway (only the acknowledgements were judged)"];
  const lost = outbound.lostParts.length + outbound.lostReplies.length;
  return [
    faults,
    `outbound parts: ${outbound.parts} (${counted(outbound.partsByState)}; modes: ${counted(outbound.partsByMode)}); outgoing rows: ${outbound.rows}`,
    `doubled: ${outbound.doubled.length}; lost silently: ${lost} (${outbound.lostParts.length} part(s), ${outbound.lostReplies.length} reply(ies)); unplanned rows: ${outbound.unplannedRows.length}; unknown: ${outbound.unknown.length} (${outbound.unknown.filter((unknown) => unknown.landed).length} of them in chat.db after all); failed: ${outbound.failed.length} (${outbound.falselyFailed.length} of them in chat.db, not failed there); rows unanswered because their reply is unknown: ${report.verdict.answerUnknown.length}`,
    `notes on parts that went out: ${counted(outbound.proofNotes)} (a part is delivered only when message.send_status was asked: after a lost answer or a restart)`,
    ...[...outbound.unknown, ...outbound.failed].map(
      ({ part, row }) =>
        `${part.state} part ${part.id} ${part.key} (${part.mode ?? "no mode"}${part.guid ? ` ${part.guid}` : ""}, ${row ? `in chat.db as rowid ${row.rowid} ${row.guid}` : "not in chat.db"}): ${JSON.stringify(part.preview)}: ${part.detail ?? "no detail"}`,
    ),
  ];
}

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
    `rows repeating a fresh reply: ${report.repeatedReplyRows.written} written, ${report.repeatedReplyRows.answered} answered, ${report.repeatedReplyRows.reportedUnknown} waiting on an unknown part`,
    ...report.chaos.notWritable.map(
      (spell) =>
        `${spell.kind}: ${spell.degradedReason ? `status said "${spell.degradedReason}"` : "no degraded status seen"}`,
    ),
    ...report.chaos.shutdowns.map(
      (stop) =>
        `sigterm-then-sigkill pid ${stop.pid}: ${stop.exitedBeforeKill ? `exited ${String(stop.exit)} before the SIGKILL` : "SIGKILLed"}`,
    ),
    ...outboundLines(report),
    `imsg connections: ${report.imsgConnections}; bad lines skipped: ${report.skippedLines}; requests imsg refused (-32700/-32600/-32602): ${report.protocolErrors}`,
    `inject → reply latency: p50 ${report.latency.p50.toFixed(0)} ms, p99 ${report.latency.p99.toFixed(0)} ms, max ${report.latency.max.toFixed(0)} ms`,
    `gateway RSS: peak ${report.rss.peakMb.toFixed(0)} MB, last ${report.rss.lastMb.toFixed(0)} MB (limit ${report.rss.limitMb} MB, ${report.rss.samples} samples)`,
  ];
  for (const problem of report.problems) lines.push(`problem: ${problem}`);
  return lines.join("\n");
}
