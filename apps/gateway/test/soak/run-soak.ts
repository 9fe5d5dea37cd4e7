import { writeFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { waitFor } from "@imessage-channel/agents/test-support";
import { percentile } from "@imessage-channel/bench-kit";
import { isoFromAppleMilliseconds } from "@imessage-channel/imsg-sim";
import { type ChaosKind, type ChaosLog, chaosKinds, emptyChaosLog, runChaos } from "./chaos.ts";
import { type InboundLoad, startInboundLoad } from "./inbound-load.ts";
import { readOutboundEvidence, readParts } from "./outbound-evidence.ts";
import { type RssSampler, startRssSampler } from "./rss-sampler.ts";
import { judgeSoak, rowsWithUnknownReply, type SoakVerdict } from "./soak-verdict.ts";
import { ackedGuids, type SoakBridge, SoakWorld, turnGuids } from "./soak-world.ts";

export interface SoakOptions {
  durationMs: number;
  /** Inbound rows per second across all senders (default 6). */
  ratePerSecond?: number;
  /** Pause between chaos actions (default 8 s). */
  chaosEveryMs?: number;
  /** How long to wait, after the load stops, for every turn to be answered (default 60 s). */
  drainTimeoutMs?: number;
  /** The gateway's RSS must stay under this (default 400 MB). */
  rssLimitMb?: number;
  /** Seed of the load and chaos order, so a failing run can be repeated. */
  seed?: number;
  /** The gateway's log level (default `info`). */
  logLevel?: string;
  /** `coalesceSameSenderDms` (default true; false runs every DM row as its own turn, the config default). */
  coalesce?: boolean;
  /** `catchup.enabled` (default true; false, the config default, leaves restarts to the saved cursor alone). */
  catchup?: boolean;
  /** The chaos kinds to rotate through, each once in this order first (default all, in `defaultChaosOrder`). */
  chaosKinds?: readonly ChaosKind[];
  /** The imsg release the simulated Mac plays (default: the suite's, else 0.15.10). */
  imsgVersion?: string;
  /** The Mac's private-API bridge (default `up` on imsg 0.15+, where it brings `send.tracked`; else `down`). */
  bridge?: SoakBridge;
  /** The gateway's whole log (every incarnation) is written here at the end. */
  logPath?: string;
  onProgress?: (line: string) => void;
}

export interface SoakReport {
  durationMs: number;
  /** The imsg release the simulated Mac played. */
  imsgVersion: string;
  /** Requests that release refused as malformed or with bad params (-32700/-32600/-32602): none expected. */
  protocolErrors: number;
  verdict: SoakVerdict;
  chaos: ChaosLog;
  chaosCounts: Record<ChaosKind, number>;
  turns: number;
  replies: number;
  /** Sent rows that are not acknowledgements (error replies, pairing codes): none expected. */
  otherReplies: string[];
  /** Friends' rows that repeated a reply the agent had just sent, and how many of them were answered. */
  /** Rows that repeat a fresh reply's text: `answered`, or `reportedUnknown` (their reply's part is unknown, reported). */
  repeatedReplyRows: { written: number; answered: number; reportedUnknown: number };
  imsgConnections: number;
  skippedLines: number;
  rss: { samples: number; peakMb: number; lastMb: number; limitMb: number };
  /** Inject → reply row, over every answered row, in ms. */
  latency: { p50: number; p99: number; max: number };
  problems: string[];
  ok: boolean;
}

/** A small deterministic generator (mulberry32), so a seed reproduces a run's load and chaos order. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/**
 * The order of the first round: a gateway kill early, the long state.db spells after the quick kinds. Lost send
 * answers come twice a round, as each firing loses one answer and is over in a moment; every other kind still runs
 * once a round.
 */
export const defaultChaosOrder: readonly ChaosKind[] = [
  "kill-imsg",
  "lost-send-outcomes",
  "restart-gateway-sigkill",
  "malformed-lines",
  "drop-ssh",
  "restart-gateway-sigterm",
  "lost-send-outcomes",
  "slow-agent",
  "deep-json-line",
  "sigterm-then-sigkill",
  "lock-state-db",
  "fill-state-dir",
];

/** Every kind once in the given order first (so a short run covers them all), then shuffled rounds. */
function chaosOrder(kinds: readonly ChaosKind[], random: () => number): () => ChaosKind {
  let round = [...kinds];
  return () => {
    if (round.length === 0) {
      round = [...kinds];
      for (let index = round.length - 1; index > 0; index--) {
        const swap = Math.floor(random() * (index + 1));
        [round[index], round[swap]] = [round[swap]!, round[index]!];
      }
    }
    return round.shift()!;
  };
}

/**
 * Runs the gateway against imsg-sim over a real sshd under a steady inbound load while a chaos loop kills imsg,
 * drops SSH, restarts the gateway (SIGTERM, SIGKILL, SIGTERM with slow turns), injects malformed and deeply nested
 * lines, slows the agent, locks state.db, fills the state dir and loses the answers of sends; then lets every turn
 * finish and judges the evidence: every row dispatched and answered exactly once, every outbound part in chat.db
 * once or reported unknown, RSS bounded.
 */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const progress = options.onProgress ?? (() => {});
  const random = seededRandom(options.seed ?? 1);
  const rssLimitMb = options.rssLimitMb ?? 400;
  const world = await SoakWorld.create({
    logLevel: options.logLevel,
    coalesce: options.coalesce,
    catchup: options.catchup,
    ...(options.imsgVersion === undefined ? {} : { imsgVersion: options.imsgVersion }),
    ...(options.bridge === undefined ? {} : { bridge: options.bridge }),
  });
  const { harness } = world;
  const chaos = emptyChaosLog();
  let load: InboundLoad | undefined;
  let rss: RssSampler | undefined;
  try {
    await world.startGateway();
    const startedAt = performance.now();
    rss = startRssSampler(() => harness.pid);
    load = startInboundLoad(world, { ratePerSecond: options.ratePerSecond ?? 6, random });
    const nextChaos = chaosOrder(options.chaosKinds ?? defaultChaosOrder, random);
    const chaosEveryMs = options.chaosEveryMs ?? 8_000;
    let lastProgress = 0;
    while (performance.now() - startedAt < options.durationMs) {
      await sleep(Math.min(chaosEveryMs, Math.max(0, options.durationMs - (performance.now() - startedAt))));
      if (performance.now() - startedAt >= options.durationMs) break;
      const kind = nextChaos();
      await runChaos(world, kind, chaos, startedAt, random);
      const elapsed = performance.now() - startedAt;
      if (elapsed - lastProgress >= 10_000) {
        lastProgress = elapsed;
        progress(
          `${Math.round(elapsed / 1000)} s: ${load.injected.length} rows written, ${harness.agent.requests.length} turns, ` +
            `${chaos.records.length} chaos actions, gateway RSS ${rss.lastMb.toFixed(0)} MB`,
        );
      }
    }
    load.stop();
    progress(`load stopped after ${load.injected.length} rows; waiting for every turn to be answered`);

    const expected = load.injected.filter((row) => row.expected === "dispatch").map((row) => row.guid);
    const answered = () => new Set(harness.sentRows().flatMap((row) => ackedGuids(row.text) ?? []));
    // A reply the gateway reported unknown is never sent again without the operator: waiting for it is pointless.
    const replyUnknown = () => {
      const deliveries = new Set(
        readParts(harness)
          .filter((part) => part.state === "unknown")
          .map((part) => part.deliveryId),
      );
      return rowsWithUnknownReply(harness.turns().map(turnGuids), deliveries);
    };
    await waitFor(
      "every turn answered (or its reply reported unknown)",
      () => {
        const done = answered();
        const open = expected.filter((guid) => !done.has(guid));
        if (open.length === 0) return true;
        const unknown = replyUnknown();
        return open.every((guid) => unknown.has(guid));
      },
      options.drainTimeoutMs ?? 60_000,
    ).catch(() => progress("drain timed out: the verdict lists what is missing"));
    // Rows policy drops and late duplicates would show up after the last reply: give them a moment.
    await sleep(1_000);
    const exit = await world.stopGateway("SIGTERM");
    if (exit !== 0) chaos.problems.push(`gateway exited ${String(exit)} on the final SIGTERM (expected 0)`);
    rss.stop();
    const result = report(world, load, chaos, rss, performance.now() - startedAt, rssLimitMb);
    if (options.logPath) {
      await writeFile(options.logPath, `${harness.logs.join("\n")}\n`);
      progress(`gateway log written to ${options.logPath}`);
    }
    return result;
  } finally {
    load?.stop();
    rss?.stop();
    await world.dispose();
  }
}

/** A lost row as state.db remembers it: its journal entry, a recorded reply, and the parts of its reply. */
function rowRecord(harness: SoakWorld["harness"], guid: string): string {
  const journal = harness.stateRows<{ state: string; attempts: number }>(
    "SELECT state, attempts FROM inbound_journal WHERE guid = ?",
    guid,
  )[0];
  const recorded = harness.stateRows<{ n: number }>("SELECT COUNT(*) AS n FROM reply_outbox WHERE guid = ?", guid)[0];
  const parts = harness.stateRows<{ id: number; state: string }>(
    "SELECT id, state FROM outbound_part WHERE delivery_id = ? ORDER BY seq",
    `reply:${guid}`,
  );
  const partList = parts.length ? parts.map((part) => `part ${part.id} ${part.state}`).join(", ") : "no parts";
  return `${guid} journal ${journal ? `${journal.state} after ${journal.attempts} attempt(s)` : "none"}, ${
    recorded?.n ? "reply recorded" : "no reply recorded"
  }, reply:${guid.slice(0, 8)}… ${partList}`;
}

function report(
  world: SoakWorld,
  load: InboundLoad,
  chaos: ChaosLog,
  rss: RssSampler,
  durationMs: number,
  rssLimitMb: number,
): SoakReport {
  const { harness } = world;
  const sent = harness.query<{ text: string; appleMs: number }>(
    "SELECT IFNULL(text, '') AS text, date / 1000000 AS appleMs FROM message WHERE is_from_me = 1 ORDER BY ROWID",
  );
  const replies: string[][] = [];
  const otherReplies: string[] = [];
  const repliedAt = new Map<string, number>();
  for (const row of sent) {
    const guids = ackedGuids(row.text);
    if (!guids) {
      otherReplies.push(row.text);
      continue;
    }
    replies.push(guids);
    const at = Date.parse(isoFromAppleMilliseconds(row.appleMs));
    for (const guid of guids) if (!repliedAt.has(guid)) repliedAt.set(guid, at);
  }
  const agentTurns = harness.turns().map(turnGuids);
  const answeredGuids = new Set(replies.flat());
  const repeatRows = load.injected.filter((row) => row.repeatsReply);
  const outbound = readOutboundEvidence(harness);
  const verdict = judgeSoak({
    injected: load.injected,
    agentTurns,
    replies,
    hardKills: chaos.hardKills,
    ...(outbound ? { outbound } : {}),
  });

  const latencies = load.injected
    .flatMap((row) => {
      const at = repliedAt.get(row.guid);
      return at === undefined ? [] : [Math.max(0, at - row.injectedAt)];
    })
    .sort((a, b) => a - b);
  const chaosCounts = Object.fromEntries(chaosKinds.map((kind) => [kind, 0])) as Record<ChaosKind, number>;
  for (const record of chaos.records) chaosCounts[record.kind]++;

  const problems = [...verdict.problems, ...chaos.problems, ...world.crashes];
  const rowidOf = new Map(load.injected.map((row) => [row.guid, row.rowid]));
  const lost = [...verdict.neverDispatched, ...verdict.neverAnswered];
  if (lost.length) {
    problems.push(`rowids of those rows: ${lost.map((guid) => rowidOf.get(guid)).join(", ")}`);
    problems.push(`what state.db says of them: ${lost.map((guid) => rowRecord(harness, guid)).join("; ")}`);
  }
  if (otherReplies.length) {
    problems.push(`${otherReplies.length} sent row(s) were not acknowledgements: ${JSON.stringify(otherReplies[0])}`);
  }
  const crashes = harness.logs.filter((line) => /unhandled|uncaught|triggerUncaughtException/i.test(line));
  if (crashes.length) problems.push(`unhandled error in the gateway: ${crashes[0]}`);
  if (rss.peakMb > rssLimitMb)
    problems.push(`gateway RSS peaked at ${rss.peakMb.toFixed(0)} MB (limit ${rssLimitMb} MB)`);
  if (rss.samples === 0) problems.push("gateway RSS was never sampled");
  const refused = harness.protocolErrors();
  if (refused.length) {
    const first = refused[0]!;
    problems.push(
      `imsg ${harness.imsgVersion} refused ${refused.length} request(s) (first: ${first.code} ${first.method ?? "(no method)"}: ${first.message})`,
    );
  }

  return {
    durationMs,
    imsgVersion: harness.imsgVersion,
    protocolErrors: refused.length,
    verdict,
    chaos,
    chaosCounts,
    turns: agentTurns.length,
    replies: replies.length,
    otherReplies,
    repeatedReplyRows: {
      written: repeatRows.length,
      answered: repeatRows.filter((row) => answeredGuids.has(row.guid)).length,
      reportedUnknown: repeatRows.filter(
        (row) => !answeredGuids.has(row.guid) && verdict.answerUnknown.includes(row.guid),
      ).length,
    },
    imsgConnections: harness.logs.filter((line) => line.includes("imsg stream connected")).length,
    skippedLines: harness.logs.filter((line) => /skipped .*line|over-long|discarded/i.test(line)).length,
    rss: { samples: rss.samples, peakMb: rss.peakMb, lastMb: rss.lastMb, limitMb: rssLimitMb },
    // No answered row at all: 0, and the verdict already says why.
    latency: {
      p50: percentile(latencies, 0.5) || 0,
      p99: percentile(latencies, 0.99) || 0,
      max: latencies.at(-1) ?? 0,
    },
    problems,
    ok: problems.length === 0,
  };
}
