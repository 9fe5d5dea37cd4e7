// Reply delivery on a warm connection: the real Outbox with a real state.db in a temp dir, one chunk per reply, each
// planned, marked `sending` with its guid before the request is written, settled, and recorded in the echo cache.
// Two imsg stand-ins: a fast fake (bench/fast-imsg.mjs: answers at once, so the channel's own time shows) and
// imsg-sim 0.15.10 with the bridge up (writes every send into a real chat.db). The bare round trip of a
// `send.tracked` to each is measured beside it, so the stand-in's own time can be told from the outbox's.
// Run: pnpm --filter @imessage-channel/channel bench   (--quick: 500 replies instead of 2,000)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Turn } from "@imessage-channel/agents";
import { percentile, recordFigure } from "@imessage-channel/bench-kit";
import { resolveAccount, validateConfig } from "@imessage-channel/config";
import { createChatDb, inject, simBinPath } from "@imessage-channel/imsg-sim";
import { silentLogger } from "@imessage-channel/kit";
import { trackedSendsUsable } from "@imessage-channel/outbound";
import { ImsgClient } from "@imessage-channel/rpc-client";
import { hotPathBusyTimeoutMilliseconds, openStateStore } from "@imessage-channel/state";
import { LocalTransport } from "@imessage-channel/transport";
import { ImsgConnection } from "../src/imsg-connection.ts";
import type { ChatAddress } from "../src/imsg-port.ts";
import { createOutboundMedia } from "../src/outbound-media.ts";
import { Outbox } from "../src/outbox.ts";

const quick = process.argv.includes("--quick");
const replies = quick ? 500 : 2_000;
const warmup = 200;
const fakePath = fileURLToPath(new URL("./fast-imsg.mjs", import.meta.url));
const directory = mkdtempSync(join(tmpdir(), "outbox-bench-"));
const dbPath = join(directory, "chat.db");
createChatDb(dbPath);
const chatId = inject(dbPath, { from: "+15555550123", text: "hi", home: join(directory, "home") }).chatId;

const config = validateConfig({ channels: { imessage: { dmPolicy: "open", allowFrom: ["*"] } } });
if (!config.config) throw new Error("bench config invalid");
const account = resolveAccount(config.config, "default");
const chat: ChatAddress = { chatId, isGroup: false, handle: "+15555550123" };
const turn = { agentId: "main", sessionKey: "agent:main:main" } as Turn;

interface Latencies {
  p50: number;
  p99: number;
  max: number;
}

function summarize(samples: number[]): Latencies {
  const sorted = [...samples].sort((left, right) => left - right);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN };
}

async function startClient(args: string[]): Promise<{ client: ImsgClient; methods: readonly string[] | undefined }> {
  const client = new ImsgClient({
    transport: new LocalTransport({
      cliPath: process.execPath,
      args,
      env: { ...process.env, HOME: join(directory, "home") },
    }),
  });
  await client.start();
  const { methods } = await client.initialize();
  return { client, methods };
}

/** `send.tracked` straight through the client: the stand-in's own time plus the pipe and JSON-RPC. */
async function bareRoundTrips(client: ImsgClient, label: string): Promise<Latencies> {
  const samples: number[] = [];
  for (let index = 0; index < warmup + replies; index += 1) {
    const started = performance.now();
    await client.request("send.tracked", {
      chat_id: chatId,
      text: `bare ${label} ${index}`,
      attempt_id: `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`,
    });
    if (index >= warmup) samples.push(performance.now() - started);
  }
  return summarize(samples);
}

async function outboxReplies(client: ImsgClient, tracked: boolean, label: string): Promise<Latencies> {
  const stateDir = join(directory, `state-${label}`);
  const state = openStateStore({ stateDir, busyTimeoutMilliseconds: hotPathBusyTimeoutMilliseconds });
  const imsg = new ImsgConnection(() => client, { accountId: "default", trackedSends: () => tracked });
  const outbox = new Outbox({
    account,
    state,
    imsg,
    logger: silentLogger,
    media: createOutboundMedia({ stateDir, roots: [], mediaMaxBytes: 1 << 20 }),
  });
  const samples: number[] = [];
  try {
    for (let index = 0; index < warmup + replies; index += 1) {
      const started = performance.now();
      const outcome = await outbox.deliver(chat, { text: `reply ${label} ${index}` }, turn, {
        deliveryId: `reply:${label}-${index}`,
        origin: "reply",
      });
      if (index >= warmup) samples.push(performance.now() - started);
      if (outcome.sent !== 1) throw new Error(`reply ${index} (${label}): ${JSON.stringify(outcome)}`);
    }
  } finally {
    state.close();
  }
  return summarize(samples);
}

const line = (name: string, latencies: Latencies) =>
  console.log(
    `${name.padEnd(62)} p50 ${latencies.p50.toFixed(3)} ms  p99 ${latencies.p99.toFixed(3)} ms  max ${latencies.max.toFixed(2)} ms`,
  );

try {
  const fake = await startClient([fakePath]);
  if (!trackedSendsUsable(fake.methods)) throw new Error("the fake imsg must offer tracked sends");
  const fakeBare = await bareRoundTrips(fake.client, "fake");
  const fakeTracked = await outboxReplies(fake.client, true, "fake-tracked");
  const fakeHistory = await outboxReplies(fake.client, false, "fake-history");
  await fake.client.close();

  const sim = await startClient([simBinPath, "rpc", "--db", dbPath, "--imsg-version", "0.15.10", "--bridge", "up"]);
  const simBare = await bareRoundTrips(sim.client, "sim");
  const simTracked = await outboxReplies(sim.client, trackedSendsUsable(sim.methods), "sim-tracked");
  await sim.client.close();

  console.log(`reply delivery, 1 chunk, warm connection, ${replies} replies after ${warmup} warm-up ones:`);
  line("fake imsg: bare send.tracked round trip (the fake's own time)", fakeBare);
  line("fake imsg: Outbox.deliver, tracked (goal p50 ≤ 0.5 ms, p99 ≤ 5 ms)", fakeTracked);
  line("fake imsg: Outbox.deliver, history mode (plain send)", fakeHistory);
  line("imsg-sim 0.15.10: bare send.tracked round trip", simBare);
  line("imsg-sim 0.15.10: Outbox.deliver, tracked", simTracked);
  console.log(
    `outbox's own share, fake imsg: p50 ${(fakeTracked.p50 - fakeBare.p50).toFixed(3)} ms over the bare round trip`,
  );

  const note = `${replies} replies, real state.db in a temp dir, warm imsg connection`;
  recordFigure({
    id: "reply-p50",
    figure:
      "reply delivery, 1 chunk, tracked, fast fake imsg (Outbox + state.db: planned, sending, settled, echo), p50",
    value: fakeTracked.p50,
    unit: "ms",
    goal: { below: 0.5 },
    note,
  });
  recordFigure({
    id: "reply-p99",
    figure:
      "reply delivery, 1 chunk, tracked, fast fake imsg (Outbox + state.db: planned, sending, settled, echo), p99",
    value: fakeTracked.p99,
    unit: "ms",
    goal: { below: 5 },
    note,
  });
  recordFigure({
    id: "reply-bare-p50",
    figure: "the fast fake imsg's own send.tracked round trip (client, pipe, fake), p50",
    value: fakeBare.p50,
    unit: "ms",
    note,
  });
  recordFigure({
    id: "reply-history-p50",
    figure: "reply delivery, 1 chunk, history mode (plain send), fast fake imsg, p50",
    value: fakeHistory.p50,
    unit: "ms",
    note,
  });
  recordFigure({
    id: "reply-sim-p50",
    figure: "reply delivery, 1 chunk, tracked, imsg-sim 0.15.10 (writes chat.db), p50",
    value: simTracked.p50,
    unit: "ms",
    note: `${note}; imsg-sim's bare round trip p50 ${simBare.p50.toFixed(2)} ms`,
  });
  recordFigure({
    id: "reply-sim-p99",
    figure: "reply delivery, 1 chunk, tracked, imsg-sim 0.15.10 (writes chat.db), p99",
    value: simTracked.p99,
    unit: "ms",
    note: `${note}; imsg-sim's bare round trip p99 ${simBare.p99.toFixed(2)} ms`,
  });
} finally {
  rmSync(directory, { recursive: true, force: true });
}
