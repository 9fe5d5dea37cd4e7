/**
 * Gateway benchmarks (issues 9 and 11): inbound row → agent dispatch overhead (p50/p99, coalescing window 0) through
 * the real pipeline (journal on a real state.db, policy, turn buffer, session queue); RSS and retained heap after GC
 * sampled every 100k rows of one long run (default 1M rows). The CLI end to end (throughput, latency, idle RSS, cold
 * start) is gateway-e2e.bench.ts. Prints numbers and records them; asserts nothing.
 *   node --expose-gc --max-semi-space-size=1 apps/gateway/bench/gateway-overhead.bench.ts [--rows N] [--quick]
 * (run-benches.ts passes the young-generation cap the CLI sets for `gateway`: this process is the gateway here).
 * --rows sets the long run (samples every 100k, or every N/2 below 200k); --quick makes it 20k rows.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { createHistogram } from "node:perf_hooks";
import { Writable } from "node:stream";
import { getHeapSpaceStatistics } from "node:v8";
import type { AgentRuntime } from "@imessage-channel/agents";
import { recordFigure } from "@imessage-channel/bench-kit";
import {
  AccountStatusReporter,
  createTurnBuffer,
  GroupHistory,
  InboundPipeline,
  RowSettlement,
  SessionQueue,
  TurnRunner,
} from "@imessage-channel/channel";
import { resolveAccount, resolveRouting, validateConfig } from "@imessage-channel/config";
import { RowCursor } from "@imessage-channel/row-cursor";
import type { Message } from "@imessage-channel/rpc-client";
import { openStateStore, WriteQueue } from "@imessage-channel/state";
import { createLogger } from "../src/logger.ts";

const megabyte = 2 ** 20;

interface MemorySample {
  rows: number;
  rssMb: number;
  heapMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** Committed size of each V8 space (MB): where heap committed beyond the retained heap sits. */
  spacesMb: Record<string, number>;
}

interface PipelineRun {
  p50: number;
  p99: number;
  rowsPerSecond: number;
  samples: MemorySample[];
}

function message(id: number): Message {
  return {
    id,
    chatId: 1 + (id % 50),
    guid: `BENCH-${id}`,
    sender: `+1555555${String(1000 + (id % 50)).padStart(4, "0")}`,
    isFromMe: false,
    text: `message number ${id}`,
    createdAt: new Date().toISOString(),
    attachments: [],
    reactions: [],
    chatIdentifier: "",
    chatGuid: "",
    chatName: "",
    participants: [],
    isGroup: false,
  };
}

// Heap after a full GC is what the gateway keeps; RSS also holds freed pages V8 has not returned yet.
const gc = (globalThis as { gc?: () => void }).gc;

function sampleMemory(rows: number): MemorySample {
  gc?.();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return {
    rows,
    rssMb: rss / megabyte,
    heapMb: heapUsed / megabyte,
    heapTotalMb: heapTotal / megabyte,
    externalMb: external / megabyte,
    spacesMb: Object.fromEntries(
      getHeapSpaceStatistics()
        .filter((space) => space.space_size > 0)
        .map((space) => [space.space_name.replace(/_space$/, ""), space.space_size / megabyte]),
    ),
  };
}

/** `rows` rows one at a time through a fresh pipeline; latencies go to a fixed-size histogram, so 1M rows keep no per-row data. */
async function measurePipeline(rows: number, sampleEvery = 0): Promise<PipelineRun> {
  const runStarted = performance.now();
  const stateDir = await mkdtemp(join(tmpdir(), "bench-gateway-"));
  const config = validateConfig({ channels: { imessage: { dmPolicy: "open", allowFrom: ["*"] } } }).config!;
  const account = resolveAccount(config, "default");
  const state = openStateStore({ stateDir });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const logger = createLogger({ destination: sink, pretty: false, level: "warn" });
  const latencies = createHistogram();
  const samples: MemorySample[] = [];
  let startedAt = 0n;
  let reached: () => void = () => {};
  const agent: AgentRuntime = {
    kind: "bench",
    async run() {
      latencies.record(process.hrtime.bigint() - startedAt);
      reached();
      return undefined;
    },
  };
  const imsg = {
    delivery: () => ({ target: { chat_id: 1 }, send: async () => ({}) }),
    markRead: async () => false,
    setTyping: async () => false,
    chatService: async () => "iMessage",
    isOwnMessage: async () => false,
    recentMessages: async () => [],
    sendStatus: async () => undefined,
  };
  const status = new AccountStatusReporter({ stateDir, accountId: "default" });
  const settlement = new RowSettlement({
    account,
    state,
    logger,
    status,
    cursor: new RowCursor(0),
    writes: new WriteQueue(),
  });
  const groupHistory = new GroupHistory();
  // Replies are not part of this measurement: the outbox answers at once, sending nothing.
  const outbox = {
    deliver: async () => ({ sent: 0, unknown: 0, kept: 0 }),
    sendText: async () => ({ sent: 0, unknown: 0, kept: 0 }),
  };
  const turns = new TurnRunner({
    account,
    state,
    imsg,
    logger,
    status,
    queue: new SessionQueue(8),
    settlement,
    groupHistory,
    agentFor: () => agent,
    outbox,
    receipts: async () => ({ markRead: false, typing: false }),
  });
  const pipeline = new InboundPipeline({
    outbox,
    account,
    routing: resolveRouting(config),
    state,
    imsg,
    logger,
    status,
    settlement,
    groupHistory,
    agentFor: () => agent,
    buffer: createTurnBuffer({
      accountId: "default",
      windowMs: 0,
      sink: (turn) => turns.dispatch(turn),
      onError: () => {},
    }),
  });
  // One row at a time: the overhead of one row, not the queueing of a flood (a flood measures throughput).
  for (let id = 1; id <= rows; id++) {
    const dispatched = new Promise<void>((resolve) => {
      reached = resolve;
    });
    startedAt = process.hrtime.bigint();
    await pipeline.accept(message(id), { replayed: false });
    await dispatched;
    // Rows reach the gateway in I/O callbacks, so its timers (state.db's durability tick, its checkpoints) run
    // between them; a loop of resolved promises alone would never let them.
    await new Promise(setImmediate);
    if (sampleEvery > 0 && (id % sampleEvery === 0 || id === rows)) {
      const sample = sampleMemory(id);
      samples.push(sample);
      console.log(
        `  after ${countLabel(id)} rows: RSS ${sample.rssMb.toFixed(1)} MB, heap after GC ${sample.heapMb.toFixed(1)} MB ` +
          `(V8 heap committed ${sample.heapTotalMb.toFixed(1)} MB: ${Object.entries(sample.spacesMb)
            .map(([space, size]) => `${space} ${size.toFixed(1)}`)
            .join(", ")}; external ${sample.externalMb.toFixed(1)} MB)`,
      );
    }
  }
  const rowsPerSecond = rows / ((performance.now() - runStarted) / 1000);
  await pipeline.flush();
  state.close();
  await rm(stateDir, { recursive: true, force: true });
  return {
    p50: latencies.percentile(50) / 1e6,
    p99: latencies.percentile(99) / 1e6,
    rowsPerSecond,
    samples,
  };
}

/** 20000 → `20k`, 1000000 → `1M`. */
function countLabel(count: number): string {
  if (count >= 1_000_000 && count % 100_000 === 0) return `${count / 1_000_000}M`;
  if (count >= 1_000 && count % 1_000 === 0) return `${count / 1_000}k`;
  return count.toLocaleString("en-US");
}

/** MB per 100k rows between two samples: the slope past warm-up (SQLite's page cache, JIT, pools). */
function growthPer100k(first: MemorySample, last: MemorySample, field: "rssMb" | "heapMb"): number {
  return ((last[field] - first[field]) / (last.rows - first.rows)) * 100_000;
}

const rowsFlag = process.argv.indexOf("--rows");
const quick = process.argv.includes("--quick");
const bigRun = rowsFlag > 0 ? Number(process.argv[rowsFlag + 1]) : quick ? 20_000 : 1_000_000;
if (!Number.isInteger(bigRun) || bigRun < 2) {
  throw new Error(`--rows ${process.argv[rowsFlag + 1]} is not a whole number of rows >= 2; try --rows 200000`);
}
const sampleEvery = bigRun >= 200_000 ? 100_000 : Math.floor(bigRun / 2);

console.log(`machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
if (!gc) console.log("run node with --expose-gc for the retained-heap figures (heap is sampled without a full GC)");
const warm = await measurePipeline(1_000);
console.log(
  `pipeline overhead, 1k rows: p50 ${warm.p50.toFixed(3)} ms, p99 ${warm.p99.toFixed(3)} ms (goal p99 < 5 ms)`,
);
const tenK = await measurePipeline(10_000);
console.log(
  `pipeline overhead, 10k rows: p50 ${tenK.p50.toFixed(3)} ms, p99 ${tenK.p99.toFixed(3)} ms (goal p99 < 5 ms)`,
);
const overhead = "inbound row → agent dispatch overhead (state.db journal, policy, turn buffer, session queue)";
recordFigure({ id: "pipeline-overhead-p50", figure: `${overhead}, p50 over 10k rows`, value: tenK.p50, unit: "ms" });
recordFigure({
  id: "pipeline-overhead-p99",
  figure: `${overhead}, p99 over 10k rows`,
  value: tenK.p99,
  unit: "ms",
  goal: { below: 5 },
});

const before = sampleMemory(0);
console.log(`long run: ${countLabel(bigRun)} rows, memory sampled every ${countLabel(sampleEvery)}`);
const big = await measurePipeline(bigRun, sampleEvery);
const first = big.samples[0]!;
const last = big.samples.at(-1)!;
const rssGrowth = growthPer100k(first, last, "rssMb");
const heapGrowth = growthPer100k(first, last, "heapMb");
const span = `${countLabel(first.rows)} → ${countLabel(last.rows)}`;
console.log(
  `long run: p50 ${big.p50.toFixed(3)} ms, p99 ${big.p99.toFixed(3)} ms, ${big.rowsPerSecond.toFixed(0)} rows/s end to end`,
);
console.log(
  `RSS ${before.rssMb.toFixed(1)} MB before, ${first.rssMb.toFixed(1)} MB after ${countLabel(first.rows)}, ` +
    `${last.rssMb.toFixed(1)} MB after ${countLabel(last.rows)}: growth ${rssGrowth.toFixed(1)} MB per 100k rows (${span}; goal < 2 MB)`,
);
console.log(
  `heap after GC ${before.heapMb.toFixed(1)} MB before, ${first.heapMb.toFixed(1)} MB after ${countLabel(first.rows)}, ` +
    `${last.heapMb.toFixed(1)} MB after ${countLabel(last.rows)}: growth ${heapGrowth.toFixed(1)} MB per 100k rows (${span})`,
);
recordFigure({
  id: "pipeline-overhead-p99-long-run",
  figure: `${overhead}, p99 over ${countLabel(bigRun)} rows`,
  value: big.p99,
  unit: "ms",
  goal: { below: 5 },
});
recordFigure({
  id: "pipeline-rows-per-second",
  figure: `rows through the pipeline one at a time, end to end, over ${countLabel(bigRun)} rows`,
  value: big.rowsPerSecond,
  unit: "rows/s",
  note: "one row at a time, each waiting for its dispatch: state.db's transactions set the pace",
});
recordFigure({
  id: "rss-after-first-sample",
  figure: `RSS after ${countLabel(first.rows)} rows through the pipeline`,
  value: first.rssMb,
  unit: "MB",
});
recordFigure({
  id: "rss-after-last-sample",
  figure: `RSS after ${countLabel(last.rows)} rows through the pipeline`,
  value: last.rssMb,
  unit: "MB",
  goal: { below: 120 },
  note: "the bench process, which runs the pipeline on a real state.db from the TypeScript sources (Node's type stripping alone holds ~17 MB the built CLI does not); heap flags as the CLI sets them",
});
recordFigure({
  id: "rss-growth-per-100k",
  figure: `RSS growth per 100k rows (after GC, ${span})`,
  value: rssGrowth,
  unit: "MB",
  goal: { below: 2 },
});
recordFigure({
  id: "heap-after-last-sample",
  figure: `retained JS heap after GC, after ${countLabel(last.rows)} rows`,
  value: last.heapMb,
  unit: "MB",
});
recordFigure({
  id: "heap-growth-per-100k",
  figure: `retained JS heap growth per 100k rows (after GC, ${span})`,
  value: heapGrowth,
  unit: "MB",
});
