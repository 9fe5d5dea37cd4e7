/**
 * Gateway benchmarks (issue 11): inbound row → agent dispatch overhead (p50/p99, coalescing window 0) through the
 * real pipeline (journal on a real state.db, policy, turn buffer, session queue), RSS growth over 100k rows, and
 * cold start of the real CLI to its first watch.subscribe against imsg-sim. Prints numbers; asserts nothing.
 *   node apps/gateway/bench/gateway-overhead.bench.ts [--rows N]
 */
import { spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { resolveAccount, resolveRouting, validateConfig } from "@imessage-channel/config";
import { createChatDb, simBinPath } from "@imessage-channel/imsg-sim";
import type { Message } from "@imessage-channel/rpc-client";
import { openStateStore } from "@imessage-channel/state";
import { AccountStatusReporter } from "../src/account-status.ts";
import type { AgentRuntime } from "../src/agents/runtime.ts";
import { createLogger } from "../src/logger.ts";
import { InboundPipeline } from "../src/pipeline/inbound-pipeline.ts";
import { createTurnBuffer } from "../src/pipeline/turn-buffer.ts";
import { SessionQueue } from "../src/session-queue.ts";

const gatewayBin = new URL("../bin/imessage-channel.js", import.meta.url).pathname;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
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

async function measurePipeline(
  rows: number,
): Promise<{ p50: number; p99: number; rssMb: number; rowsPerSecond: number }> {
  const runStarted = performance.now();
  const stateDir = await mkdtemp(join(tmpdir(), "bench-gateway-"));
  const config = validateConfig({ channels: { imessage: { dmPolicy: "open", allowFrom: ["*"] } } }).config!;
  const account = resolveAccount(config, "default");
  const state = openStateStore({ stateDir });
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  const logger = createLogger({ destination: sink, pretty: false, level: "warn" });
  const latencies: number[] = [];
  let startedAt = 0;
  let reached: () => void = () => {};
  const agent: AgentRuntime = {
    kind: "bench",
    async run() {
      latencies.push(performance.now() - startedAt);
      reached();
      return undefined;
    },
  };
  const pipeline = new InboundPipeline({
    account,
    routing: resolveRouting(config),
    state,
    imsg: { send: async () => ({}), markRead: async () => false, setTyping: async () => false },
    logger,
    status: new AccountStatusReporter({ stateDir, accountId: "default" }),
    queue: new SessionQueue(8),
    agentFor: () => agent,
    deliverReply: async () => 0,
    createTurnBuffer: (turnSink) =>
      createTurnBuffer({ accountId: "default", windowMs: 0, sink: turnSink, onError: () => {} }),
    initialCursor: 0,
    onCursor: () => {},
    bridgeAvailable: () => false,
  });
  // One row at a time: the overhead of one row, not the queueing of a flood (a flood measures throughput).
  for (let id = 1; id <= rows; id++) {
    const dispatched = new Promise<void>((resolve) => {
      reached = resolve;
    });
    startedAt = performance.now();
    await pipeline.accept(message(id), { replayed: false });
    await dispatched;
  }
  await pipeline.flush();
  state.close();
  await rm(stateDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rssMb: process.memoryUsage().rss / 2 ** 20,
    rowsPerSecond: rows / ((performance.now() - runStarted) / 1000),
  };
}

async function measureColdStart(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "bench-cold-"));
  const dbPath = join(dir, "chat.db");
  createChatDb(dbPath);
  const wrapper = join(dir, "imsg");
  await writeFile(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(simBinPath)} "$@"\n`);
  await chmod(wrapper, 0o755);
  const configPath = join(dir, "config.json5");
  await writeFile(configPath, JSON.stringify({ channels: { imessage: { cliPath: wrapper, dbPath } } }));
  const startedAt = performance.now();
  const child = spawn(process.execPath, [gatewayBin, "gateway", "--config", configPath], {
    env: { ...process.env, IMESSAGE_CHANNEL_STATE_DIR: join(dir, "state") },
  });
  const elapsed = await new Promise<number>((resolve) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("imsg stream connected")) resolve(performance.now() - startedAt);
    });
  });
  child.kill("SIGTERM");
  await new Promise((resolve) => child.on("close", resolve));
  await rm(dir, { recursive: true, force: true });
  return elapsed;
}

const rowsFlag = process.argv.indexOf("--rows");
const bigRun = rowsFlag > 0 ? Number(process.argv[rowsFlag + 1]) : 100_000;

console.log(`machine: ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
const warm = await measurePipeline(1_000);
console.log(
  `pipeline overhead, 1k rows: p50 ${warm.p50.toFixed(3)} ms, p99 ${warm.p99.toFixed(3)} ms (goal p99 < 5 ms)`,
);
const tenK = await measurePipeline(10_000);
console.log(
  `pipeline overhead, 10k rows: p50 ${tenK.p50.toFixed(3)} ms, p99 ${tenK.p99.toFixed(3)} ms (goal p99 < 5 ms)`,
);
// Heap after a full GC is what the gateway keeps; RSS also holds freed pages V8 has not returned yet.
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const before = process.memoryUsage().rss / 2 ** 20;
const heapBefore = process.memoryUsage().heapUsed / 2 ** 20;
const big = await measurePipeline(bigRun);
gc?.();
const heapAfter = process.memoryUsage().heapUsed / 2 ** 20;
console.log(
  gc
    ? `heap after GC: ${heapBefore.toFixed(1)} MB → ${heapAfter.toFixed(1)} MB over ${bigRun} rows (growth ${(heapAfter - heapBefore).toFixed(1)} MB)`
    : "run node with --expose-gc for the retained-heap figure",
);
console.log(
  `RSS after ${bigRun} rows: ${big.rssMb.toFixed(1)} MB (growth ${(big.rssMb - before).toFixed(1)} MB; goal < 20 MB); ${big.rowsPerSecond.toFixed(0)} rows/s end to end`,
);
const cold = await measureColdStart();
console.log(`cold start to first watch.subscribe (CLI + imsg-sim): ${cold.toFixed(0)} ms (goal < 500 ms)`);
