/**
 * The gateway end to end (issue 22): the real CLI `imessage-channel gateway`, built (dist/), as a child process with
 * the echo agent, fed by a fast fake imsg 0.9.0 (fast-imsg.ts) that streams `message` notifications at a fixed rate
 * over 50 chats. Latency is row written (the fake's clock, in the row's text) → the echo reply's `send` arriving at
 * the fake: the whole way through the gateway (framing, validation, journal, policy, session queue, agent, outbox,
 * send), so it bounds row → agent from above. Also rows answered per second at 1000 rows/s and at the highest rate,
 * the gateway's CPU time per row, its RSS over a steady run at 400 rows/s, its idle RSS once connected, its cold start
 * to the first watch.subscribe (built, and from sources) and `--help`. Prints and records; asserts nothing.
 *   node apps/gateway/bench/gateway-e2e.bench.ts [--quick] [--only <rate>:<rows>]
 * It measures dist/ as built: `pnpm bench` builds first (turbo), and this runs `pnpm build` when dist/ is missing.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { median, recordFigure } from "@imessage-channel/bench-kit";
import { simBinPath, supportedRpcMethods } from "@imessage-channel/imsg-sim";

// The fake imsg and the gateway are child processes: this file only starts them and reads what they report.

const appDir = new URL("..", import.meta.url).pathname;
const gatewayBin = join(appDir, "bin/imessage-channel.js");
const builtCli = join(appDir, "dist/cli.js");
const fakeImsg = new URL("./fast-imsg.ts", import.meta.url).pathname;
const megabyte = 2 ** 20;

interface FakeResult {
  rows: number;
  written: number;
  answered: number;
  p50: number;
  p99: number;
  max: number;
  answeredPerSecond: number;
  maxStreamLagMs: number;
  maxUnreadBytes: number;
  /** Requests the fake answered, by method. */
  requests?: Record<string, number>;
}

interface GatewayRun {
  result: FakeResult;
  /** RSS of the gateway process (MB), sampled after each `sampleEvery` answered rows. */
  rssSamples: Array<{ answered: number; rssMb: number }>;
  /** CPU time the gateway process spent per row answered (user + system): what the rate costs it, load or not. */
  cpuMsPerRow: number;
}

/** CPU time (user + system, ms) the process used so far: /proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms. */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return (kilobytes * 1024) / megabyte;
}

/**
 * What the fake answers to `imsg status --json`, asked once: the wrapper prints it (and `--version`) itself. Real imsg
 * is a native binary that answers those in milliseconds; a Node process for each of them, which the gateway starts
 * every 10 s while the bridge is down, took a core from the gateway for ~100 ms each time on this 2-core machine.
 */
const statusLine = execFileSync(process.execPath, [fakeImsg, "status", "--json"], {
  encoding: "utf8",
  env: { ...process.env, FAST_IMSG_METHODS: JSON.stringify(supportedRpcMethods) },
}).trim();
const shellQuote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/** Which imsg the fake plays: 0.9.0 (plain `send`, history mode) or 0.15.10 (`send.tracked`), as users run it. */
type ImsgGeneration = "0.9.0" | "0.15.10";
interface FakeIdentity {
  statusLine: string;
  env: Record<string, string>;
}

/**
 * The 0.15.10 fake's `status --json` line and `initialize` answer, asked once of imsg-sim 0.15.10 with the bridge
 * up, so the fake claims exactly what the simulator does (one owner of the protocol's shapes).
 */
function identity15(): FakeIdentity {
  const folder = mkdtempSync(join(tmpdir(), "bench-e2e-sim-"));
  try {
    const database = join(folder, "chat.db");
    const sim = (args: string[], input?: string) =>
      execFileSync(process.execPath, [simBinPath, ...args, "--db", database, "--imsg-version", "0.15.10"], {
        encoding: "utf8",
        ...(input === undefined ? {} : { input }),
      });
    sim(["seed"]);
    const initialize = `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocol_version: 1 } })}\n`;
    const answer = JSON.parse(sim(["rpc", "--bridge", "up"], initialize).split("\n")[0] ?? "") as { result: unknown };
    return {
      statusLine: sim(["status", "--json", "--bridge", "up"]).trim(),
      env: { FAST_IMSG_VERSION: "0.15.10", FAST_IMSG_STATUS_SNAPSHOT: JSON.stringify(answer.result) },
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
/** Asked for on first use: a run against 0.9.0 alone never starts imsg-sim. */
const identities = new Map<ImsgGeneration, FakeIdentity>([["0.9.0", { statusLine, env: {} }]]);
function identityOf(generation: ImsgGeneration): FakeIdentity {
  let identity = identities.get(generation);
  if (!identity) {
    identity = identity15();
    identities.set(generation, identity);
  }
  return identity;
}

/**
 * A folder with the fake imsg's wrapper and the config pointing at it (state.db goes in it too); `env` goes to the
 * fake. `parent` is where the folder is made: the OS temp dir, or a tmpfs for the run that takes the disk away.
 */
async function gatewayWorld(
  env: Record<string, string>,
  parent = tmpdir(),
  generation: ImsgGeneration = "0.9.0",
): Promise<{ dir: string; configPath: string }> {
  const dir = await mkdtemp(join(parent, "bench-e2e-"));
  const wrapper = join(dir, "imsg");
  const fake = identityOf(generation);
  const exports = Object.entries({ ...env, ...fake.env })
    .map(([name, value]) => `export ${name}=${shellQuote(value)}\n`)
    .join("");
  await writeFile(
    wrapper,
    [
      "#!/bin/sh",
      `if [ "$1" = "--version" ] || [ "$1" = "-V" ]; then echo ${generation}; exit 0; fi`,
      `if [ "$1" = "status" ]; then printf '%s\\n' ${shellQuote(fake.statusLine)}; exit 0; fi`,
      `${exports}exec ${JSON.stringify(process.execPath)} ${JSON.stringify(fakeImsg)} "$@"`,
      "",
    ].join("\n"),
  );
  await chmod(wrapper, 0o755);
  const configPath = join(dir, "config.json5");
  await writeFile(
    configPath,
    JSON.stringify({
      channels: { imessage: { cliPath: wrapper, dbPath: join(dir, "chat.db"), dmPolicy: "open", allowFrom: ["*"] } },
    }),
  );
  return { dir, configPath };
}

/** Starts the built gateway (or the sources) on a world; `connected` resolves once it logged its connected stream. */
function startGateway(dir: string, configPath: string, options: { fromSource?: boolean } = {}) {
  const child = spawn(process.execPath, [gatewayBin, "gateway", "--config", configPath], {
    env: {
      ...process.env,
      IMESSAGE_CHANNEL_STATE_DIR: join(dir, "state"),
      IMESSAGE_CHANNEL_LOG_LEVEL: "info",
      ...(options.fromSource ? {} : { IMESSAGE_CHANNEL_FROM: "dist" }),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const connected = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      if (output.length < 1_000_000) output += chunk.toString("utf8");
      if (output.includes("imsg stream connected")) {
        child.stdout.off("data", onData);
        // Only the tail is kept from here on: what the gateway said last, if it exits early.
        child.stdout.on("data", (more: Buffer) => {
          output = (output + more.toString("utf8")).slice(-4_000);
        });
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("exit", (code) => reject(new Error(`gateway exited with ${code} before connecting:\n${output}`)));
  });
  const stopped = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      child.once("exit", (code) => resolve(code));
      child.kill("SIGTERM");
    });
  return { child, connected, stopped, lastWords: () => output.slice(-2_000) };
}

async function runGateway(options: {
  rate: number;
  rows: number;
  sampleEvery?: number;
  /** Where the world (and state.db) lives: default the OS temp dir. */
  parent?: string;
  generation?: ImsgGeneration;
}): Promise<GatewayRun> {
  const resultPath = join(tmpdir(), `bench-e2e-result-${process.pid}-${Date.now()}.json`);
  const progressPath = join(tmpdir(), `bench-e2e-progress-${process.pid}-${Date.now()}.txt`);
  const { dir, configPath } = await gatewayWorld(
    {
      FAST_IMSG_RATE: String(options.rate),
      FAST_IMSG_ROWS: String(options.rows),
      FAST_IMSG_CHATS: "50",
      FAST_IMSG_RESULT: resultPath,
      ...(options.sampleEvery
        ? { FAST_IMSG_PROGRESS: progressPath, FAST_IMSG_PROGRESS_EVERY: String(options.sampleEvery) }
        : {}),
    },
    options.parent,
    options.generation,
  );
  const gateway = startGateway(dir, configPath);
  await gateway.connected;
  const pid = gateway.child.pid!;
  const cpuAtStart = cpuMsOf(pid);
  const rssSamples: GatewayRun["rssSamples"] = [];
  // Generous: a gateway far below the offered rate still finishes (its figures then say how far below).
  const deadline = Date.now() + 60_000 + (options.rows / Math.max(1, options.rate)) * 1000 + options.rows * 20;
  let sampled = 0;
  while (!existsSync(resultPath)) {
    if (Date.now() > deadline || gateway.child.exitCode !== null) break;
    await sleep(100);
    const answered = existsSync(progressPath) ? readFileSync(progressPath, "utf8").trim().split("\n").length : 0;
    if (options.sampleEvery && answered > sampled) {
      sampled = answered;
      rssSamples.push({ answered: answered * options.sampleEvery, rssMb: rssOf(pid) });
    }
  }
  const cpuMs = gateway.child.exitCode === null ? cpuMsOf(pid) - cpuAtStart : Number.NaN;
  const code = await gateway.stopped();
  const result = existsSync(resultPath)
    ? (JSON.parse(readFileSync(resultPath, "utf8")) as FakeResult)
    : ({ rows: options.rows, answered: 0 } as FakeResult);
  await rm(resultPath, { force: true });
  await rm(progressPath, { force: true });
  await rm(dir, { recursive: true, force: true });
  if (code !== 0) console.log(`  (gateway exited with ${code}; it said last:\n${gateway.lastWords()})`);
  return { result, rssSamples, cpuMsPerRow: cpuMs / Math.max(1, result.answered) };
}

/**
 * Idle: the CLI connected to an imsg with nothing to stream, its RSS 3 s after connecting and again 25 s after,
 * once state.db's checkpoint thread has come for the writes of the start (10 s) and gone again (10 s quiet).
 */
async function measureIdleRss(): Promise<{ early: number; late: number }> {
  const { dir, configPath } = await gatewayWorld({ FAST_IMSG_RATE: "0", FAST_IMSG_ROWS: "0" });
  const gateway = startGateway(dir, configPath);
  await gateway.connected;
  await sleep(3000);
  const early = rssOf(gateway.child.pid!);
  await sleep(22_000);
  const late = rssOf(gateway.child.pid!);
  await gateway.stopped();
  await rm(dir, { recursive: true, force: true });
  return { early, late };
}

/** CLI start → "imsg stream connected" (logged once watch.subscribe answered). */
async function measureColdStart(fromSource: boolean): Promise<number> {
  const { dir, configPath } = await gatewayWorld({ FAST_IMSG_RATE: "0", FAST_IMSG_ROWS: "0" });
  const startedAt = performance.now();
  const gateway = startGateway(dir, configPath, { fromSource });
  await gateway.connected;
  const elapsed = performance.now() - startedAt;
  await gateway.stopped();
  await rm(dir, { recursive: true, force: true });
  return elapsed;
}

function measureHelp(): number {
  const startedAt = performance.now();
  execFileSync(process.execPath, [gatewayBin, "--help"], {
    env: { ...process.env, IMESSAGE_CHANNEL_FROM: "dist" },
    stdio: "ignore",
  });
  return performance.now() - startedAt;
}

/** 20000 → `20k`. */
function countLabel(count: number): string {
  return count >= 1_000 && count % 1_000 === 0 ? `${count / 1_000}k` : count.toLocaleString("en-US");
}

function describe(run: GatewayRun): string {
  const { result } = run;
  return (
    `answered ${result.answered} of ${result.rows} at ${result.answeredPerSecond?.toFixed(0)} rows/s: ` +
    `p50 ${result.p50?.toFixed(2)} ms, p99 ${result.p99?.toFixed(2)} ms, max ${result.max?.toFixed(1)} ms ` +
    `(fake imsg behind its schedule at most ${result.maxStreamLagMs?.toFixed(1)} ms; ` +
    `at most ${result.maxUnreadBytes} bytes of stream the gateway had not read yet); ` +
    `gateway CPU ${run.cpuMsPerRow.toFixed(2)} ms per row; requests: ` +
    Object.entries(result.requests ?? {})
      .map(([method, count]) => `${method} ${count}`)
      .join(", ")
  );
}

const quick = process.argv.includes("--quick");
const only = process.argv.indexOf("--only");
if (!existsSync(builtCli)) {
  console.log("apps/gateway/dist is missing: running pnpm build");
  execFileSync("pnpm", ["build"], { cwd: join(appDir, "../.."), stdio: "inherit" });
}
if (only > 0) {
  // One run: --only <rate>:<rows>[:<sample RSS every N rows>] [--imsg 0.15.10] (NODE_OPTIONS=--cpu-prof profiles
  // the gateway).
  const [rate, rows, every] = (process.argv[only + 1] ?? "").split(":").map(Number);
  const imsgFlag = process.argv.indexOf("--imsg");
  const generation: ImsgGeneration = process.argv[imsgFlag + 1] === "0.15.10" && imsgFlag > 0 ? "0.15.10" : "0.9.0";
  const run = await runGateway({
    rate: rate || 1000,
    rows: rows || 5000,
    generation,
    ...(every ? { sampleEvery: every } : {}),
  });
  console.log(describe(run));
  for (const sample of run.rssSamples)
    console.log(`  RSS after ${countLabel(sample.answered)}: ${sample.rssMb.toFixed(1)} MB`);
  process.exit(0);
}
const chats = "over 50 chats, the real CLI (dist) with the echo agent, fed by a fake imsg 0.9.0";
const latencyNote = "row written by the fake imsg → the echo reply's send reaching it: bounds row → agent from above";

const latencyRows = quick ? 2_000 : 10_000;
console.log(`200 rows/s ${chats}, ${countLabel(latencyRows)} rows`);
const at200 = await runGateway({ rate: 200, rows: latencyRows });
console.log(`  ${describe(at200)}`);
for (const [id, value, goal] of [
  ["e2e-latency-200-p50", at200.result.p50, undefined],
  ["e2e-latency-200-p99", at200.result.p99, { below: 50 }],
] as const) {
  recordFigure({
    id,
    figure: `gateway end to end at 200 rows/s, row → reply, ${id.endsWith("p50") ? "p50" : "p99"} over ${countLabel(latencyRows)} rows`,
    value: value ?? Number.NaN,
    unit: "ms",
    ...(goal ? { goal } : {}),
    note: latencyNote,
  });
}

const sustainRows = quick ? 10_000 : 30_000;
console.log(`1000 rows/s ${chats}, ${countLabel(sustainRows)} rows`);
const at1000 = await runGateway({ rate: 1000, rows: sustainRows });
console.log(`  ${describe(at1000)}`);
recordFigure({
  id: "e2e-sustained-1000",
  figure: `gateway end to end, 1000 rows/s offered for ${countLabel(sustainRows)} rows: rows answered per second`,
  value: at1000.result.answeredPerSecond ?? 0,
  unit: "rows/s",
  goal: { atLeast: 950 },
  note: `p99 row → reply ${at1000.result.p99?.toFixed(0)} ms`,
});
recordFigure({
  id: "e2e-unread-stream-1000",
  figure: "gateway end to end at 1000 rows/s: most bytes of the watch stream the gateway had not read yet",
  value: (at1000.result.maxUnreadBytes ?? 0) / 1024,
  unit: "KiB",
  goal: { below: 64 },
  note: "the fake imsg's stdout buffer: it grows when the gateway stops reading behind its own work",
});

const maxRows = quick ? 10_000 : 60_000;
console.log(`max rate: ${countLabel(maxRows)} rows offered at 20000 rows/s ${chats}`);
const atMax = await runGateway({ rate: 20_000, rows: maxRows });
console.log(`  ${describe(atMax)}`);
recordFigure({
  id: "e2e-cpu-per-row",
  figure: "gateway end to end: CPU time (user + system) of the gateway process per row answered, max-rate run",
  value: atMax.cpuMsPerRow,
  unit: "ms",
  note: "1000 / this is the rows/s one free core sustains; it holds on a loaded machine where rates do not",
});
recordFigure({
  id: "e2e-max-throughput",
  figure: `gateway end to end, ${countLabel(maxRows)} rows offered as fast as the gateway reads: rows answered per second`,
  value: atMax.result.answeredPerSecond ?? 0,
  unit: "rows/s",
  goal: { atLeast: 1000 },
});

// The same max-rate run against imsg 0.15.10, what most users run: tracked sends, so no reply waits for an fdatasync.
console.log(`max rate, imsg 0.15.10 (tracked sends): ${countLabel(maxRows)} rows offered at 20000 rows/s ${chats}`);
const tracked = await runGateway({ rate: 20_000, rows: maxRows, generation: "0.15.10" });
console.log(`  ${describe(tracked)}`);
recordFigure({
  id: "e2e-max-throughput-tracked",
  figure: `gateway end to end, the same max-rate run against a fake imsg 0.15.10 (\`send.tracked\`): rows answered per second`,
  value: tracked.result.answeredPerSecond ?? 0,
  unit: "rows/s",
  goal: { atLeast: 1000 },
  note: `gateway CPU ${tracked.cpuMsPerRow.toFixed(2)} ms per row`,
});

// The same max-rate run with state.db on a tmpfs, where fdatasync costs nothing and a write never reaches a disk:
// what the disk takes from the figure above (docs/performance-profiles.md, "Gateway throughput").
const tmpfs = "/dev/shm";
if (existsSync(tmpfs)) {
  console.log(`max rate, state.db on ${tmpfs}: ${countLabel(maxRows)} rows offered at 20000 rows/s ${chats}`);
  const onTmpfs = await runGateway({ rate: 20_000, rows: maxRows, parent: tmpfs });
  console.log(`  ${describe(onTmpfs)}`);
  recordFigure({
    id: "e2e-max-throughput-tmpfs",
    figure: `gateway end to end, the same max-rate run with state.db on a tmpfs (${tmpfs}): rows answered per second`,
    value: onTmpfs.result.answeredPerSecond ?? 0,
    unit: "rows/s",
    note: `gateway CPU ${onTmpfs.cpuMsPerRow.toFixed(2)} ms per row; the disk's share of the figure above`,
  });
}

// Memory through the real CLI at a rate it sustains (the max-rate run above queues a backlog in memory instead).
const steadyRows = quick ? 10_000 : 100_000;
console.log(
  `steady: ${countLabel(steadyRows)} rows at 400 rows/s ${chats}, RSS sampled every ${countLabel(steadyRows / 5)}`,
);
const steady = await runGateway({ rate: 400, rows: steadyRows, sampleEvery: steadyRows / 5 });
console.log(`  ${describe(steady)}`);
for (const sample of steady.rssSamples) {
  console.log(`  gateway RSS after ${countLabel(sample.answered)} rows answered: ${sample.rssMb.toFixed(1)} MB`);
}
// Growth is taken from the second sample on: the first interval is the heap settling at its working size (+2.4 MB
// from 20k to 40k in one run, +0.2 MB per 20k after), which says nothing about a leak.
const firstSample = steady.rssSamples[1] ?? steady.rssSamples[0];
const lastSample = steady.rssSamples.at(-1);
if (firstSample && lastSample && lastSample !== firstSample) {
  recordFigure({
    id: "e2e-rss-steady",
    figure: `gateway process RSS after ${countLabel(lastSample.answered)} rows answered at 400 rows/s`,
    value: lastSample.rssMb,
    unit: "MB",
    goal: { below: 120 },
  });
  recordFigure({
    id: "e2e-rss-growth",
    figure: `gateway process RSS growth per 100k rows at 400 rows/s (${countLabel(firstSample.answered)} → ${countLabel(lastSample.answered)}, no forced GC)`,
    value: ((lastSample.rssMb - firstSample.rssMb) / (lastSample.answered - firstSample.answered)) * 100_000,
    unit: "MB",
    goal: { below: 2 },
  });
}

const idle = await measureIdleRss();
console.log(
  `idle RSS of the CLI (connected): ${idle.early.toFixed(1)} MB after 3 s, ${idle.late.toFixed(1)} MB after 25 s`,
);
recordFigure({
  id: "idle-rss",
  figure: "RSS of `imessage-channel gateway` connected and idle (3 s after connecting)",
  value: idle.early,
  unit: "MB",
  goal: { below: 60 },
});
recordFigure({
  id: "idle-rss-late",
  figure: "RSS of `imessage-channel gateway` connected and idle, 25 s after connecting",
  value: idle.late,
  unit: "MB",
  goal: { below: 60 },
  note: "after state.db's checkpoint thread started for the writes of the start and ended again",
});

const builtStarts: number[] = [];
const sourceStarts: number[] = [];
for (let run = 0; run < 5; run++) {
  builtStarts.push(await measureColdStart(false));
  if (run < 3) sourceStarts.push(await measureColdStart(true));
}
const helps: number[] = [];
for (let run = 0; run < 7; run++) helps.push(measureHelp());
const runs = (values: number[]) => values.map((value) => value.toFixed(0)).join(" / ");
console.log(
  `cold start to first watch.subscribe: built ${median(builtStarts).toFixed(0)} ms (${runs(builtStarts)}), ` +
    `from sources ${median(sourceStarts).toFixed(0)} ms (${runs(sourceStarts)}); --help ${median(helps).toFixed(0)} ms (${runs(helps)})`,
);
recordFigure({
  id: "cold-start-built",
  figure: "cold start of the built CLI (dist) to its first watch.subscribe",
  value: median(builtStarts),
  unit: "ms",
  goal: { below: 250 },
  note: "median of 5; the fake imsg is a Node process too, and its start is inside the figure",
});
recordFigure({
  id: "cold-start-sources",
  figure: "cold start of the CLI from TypeScript sources to its first watch.subscribe",
  value: median(sourceStarts),
  unit: "ms",
  note: "median of 3",
});
recordFigure({
  id: "help",
  figure: "`imessage-channel --help`, built CLI",
  value: median(helps),
  unit: "ms",
  goal: { below: 80 },
  note: "median of 7",
});
