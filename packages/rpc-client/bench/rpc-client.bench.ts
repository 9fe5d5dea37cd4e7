// Inbound: recorded-shape `message` notifications streamed by a child through ImsgClient to a handler, beside a bare
// loop that reads the same child's stdout (StringDecoder, split on "\n", JSON.parse) in the same run, interleaved,
// median of 5 each. Round trips: the typed `chatsList({ limit: 1 })` against the same child, one at a time
// (µs/request) and 16 in flight (requests/s), median of 5 each. And the nesting check every line goes through, beside
// an in-memory JSON.parse of the same lines.
// Run: pnpm --filter @imessage-channel/rpc-client bench [--quick]   (--quick: 20k notifications, 1,000 round trips, 3 runs)
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { StringDecoder } from "node:string_decoder";
import { fileURLToPath } from "node:url";
import { median, recordFigure } from "@imessage-channel/bench-kit";
import { LocalTransport } from "@imessage-channel/transport";
import { ImsgClient } from "../src/imsg-client.ts";
import { exceededJsonLimit } from "../src/json-limits.ts";

const quick = process.argv.includes("--quick");
const notificationCount = quick ? 20_000 : 100_000;
const roundTrips = quick ? 1_000 : 5_000;
const runs = quick ? 3 : 5;
const childPath = fileURLToPath(new URL("./ndjson-child.mjs", import.meta.url));
const fixturePath = fileURLToPath(new URL("../src/__fixtures__/watch-replay.notifications.jsonl", import.meta.url));

const templates = readFileSync(fixturePath, "utf8")
  .split("\n")
  .filter((line) => line !== "")
  .map((line) => JSON.parse(line) as { params: { message: { id: number } } });
const lines: string[] = [];
for (let index = 0; index < notificationCount; index += 1) {
  const template = structuredClone(templates[index % templates.length]!);
  template.params.message.id = index + 1;
  lines.push(JSON.stringify(template));
}
const directory = mkdtempSync(join(tmpdir(), "rpc-client-bench-"));
const ndjsonPath = join(directory, "notifications.ndjson");
const stream = `${lines.join("\n")}\n`;
writeFileSync(ndjsonPath, stream);
const streamBytes = Buffer.byteLength(stream);

/** The bare loop: the child's stdout decoded chunk by chunk, split on "\n", every line JSON.parsed. */
async function bareLoopRate(): Promise<number> {
  const child = spawn(process.execPath, [childPath, ndjsonPath]);
  const decoder = new StringDecoder("utf8");
  const answered = new Map<number, () => void>();
  let carry = "";
  let received = 0;
  let onLast: () => void = () => {};
  child.stdout.on("data", (chunk: Buffer) => {
    const parts = (carry + decoder.write(chunk)).split("\n");
    carry = parts.pop() ?? "";
    for (const part of parts) {
      const value = JSON.parse(part) as { id?: number; params?: { message?: { id?: number } } };
      if (value.id !== undefined) {
        answered.get(value.id)?.();
        continue;
      }
      received += 1;
      if (value.params?.message?.id === notificationCount) onLast();
    }
  });
  const request = (id: number, method: string) =>
    new Promise<void>((resolve) => {
      answered.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params: {} })}\n`);
    });
  // Timing starts once the child answered: spawning a Node child (~100 ms) is nobody's throughput.
  await request(1, "ping");
  const last = new Promise<void>((resolve) => {
    onLast = resolve;
  });
  const started = performance.now();
  await request(2, "watch.subscribe");
  await last;
  const seconds = (performance.now() - started) / 1000;
  child.stdin.end();
  await once(child, "close");
  if (received !== notificationCount) throw new Error(`bare loop received ${received} of ${notificationCount}`);
  return notificationCount / seconds;
}

async function startedClient(args: string[]): Promise<ImsgClient> {
  const client = new ImsgClient({ transport: new LocalTransport({ cliPath: process.execPath, args }) });
  await client.start();
  await client.request("ping");
  return client;
}

/** ImsgClient over the same child, to a handler through `consume` (what the supervisor does) or `for await`. */
async function clientRate(read: "consume" | "for-await"): Promise<number> {
  const client = await startedClient([childPath, ndjsonPath]);
  let received = 0;
  const started = performance.now();
  const subscription = await client.subscribe({});
  if (read === "consume") {
    await new Promise<void>((resolve, reject) => {
      subscription
        .consume((message) => {
          received += 1;
          if (message.id === notificationCount) resolve();
        })
        .catch(reject);
    });
  } else {
    for await (const message of subscription) {
      received += 1;
      if (message.id === notificationCount) break;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  if (received !== notificationCount) throw new Error(`${read} received ${received} of ${notificationCount}`);
  return notificationCount / seconds;
}

/** Microseconds per typed `chatsList({ limit: 1 })`, `inFlight` at a time. */
async function roundTripMicros(inFlight: number): Promise<number> {
  const client = await startedClient([childPath]);
  const lanes = async (count: number) =>
    Promise.all(
      Array.from({ length: inFlight }, async (_, lane) => {
        for (let index = lane; index < count; index += inFlight) {
          const chats = await client.chatsList({ limit: 1 });
          if (chats.length !== 1) throw new Error(`chats.list answered ${chats.length} chats`);
        }
      }),
    );
  await lanes(200); // warm: JIT, the compiled schema check
  const started = performance.now();
  await lanes(roundTrips);
  const micros = ((performance.now() - started) * 1000) / roundTrips;
  await client.close();
  return micros;
}

function bareParseRate(): number {
  const started = performance.now();
  let checksum = 0;
  for (const line of lines) checksum += (JSON.parse(line) as { params: { message: { id: number } } }).params.message.id;
  const seconds = (performance.now() - started) / 1000;
  if (checksum === 0) throw new Error("unreachable");
  return lines.length / seconds;
}

/** The check ImsgClient runs on every line before JSON.parse, alone over the same lines. */
function limitCheckRate(): number {
  const started = performance.now();
  let exceeded = 0;
  for (const line of lines) if (exceededJsonLimit(line) !== undefined) exceeded += 1;
  const seconds = (performance.now() - started) / 1000;
  if (exceeded !== 0) throw new Error(`${exceeded} recorded lines over the JSON limits`);
  return lines.length / seconds;
}

// One warm run of each, then `runs` rounds, each taking every measurement once, so load on the machine falls on all.
await bareLoopRate();
await clientRate("consume");
await clientRate("for-await");
const bareLoop: number[] = [];
const viaConsume: number[] = [];
const viaForAwait: number[] = [];
for (let run = 0; run < runs; run += 1) {
  bareLoop.push(await bareLoopRate());
  viaConsume.push(await clientRate("consume"));
  viaForAwait.push(await clientRate("for-await"));
}
const sequential: number[] = [];
const sixteen: number[] = [];
for (let run = 0; run < runs; run += 1) {
  sequential.push(await roundTripMicros(1));
  sixteen.push(await roundTripMicros(16));
}
bareParseRate();
const bareParse = Math.max(bareParseRate(), bareParseRate());
limitCheckRate();
const limitCheck = Math.max(limitCheckRate(), limitCheckRate());

const bare = median(bareLoop);
const consumed = median(viaConsume);
const iterated = median(viaForAwait);
const oneAtATime = median(sequential);
const inFlight16 = 1_000_000 / median(sixteen);
const rate = (value: number) => Math.round(value).toLocaleString("en");
const each = (values: number[]) => values.map(rate).join(", ");
console.log(
  `notifications: ${notificationCount.toLocaleString("en")} (${(streamBytes / notificationCount).toFixed(0)} B each), median of ${runs}`,
);
console.log(`bare stdout loop (decode, split, JSON.parse): ${rate(bare)} lines/s   [${each(bareLoop)}]`);
console.log(`ImsgClient → Subscription.consume:           ${rate(consumed)} notifications/s   [${each(viaConsume)}]`);
console.log(`ImsgClient → for await:                      ${rate(iterated)} notifications/s   [${each(viaForAwait)}]`);
console.log(`ratio consume / bare loop:                   ${(consumed / bare).toFixed(2)} (goal >= 0.8)`);
console.log(
  `typed chatsList round trip, 1 at a time:     ${oneAtATime.toFixed(1)} µs/request   [${sequential.map((value) => value.toFixed(1)).join(", ")}]`,
);
console.log(`typed chatsList, 16 in flight:               ${rate(inFlight16)} requests/s`);
console.log(`in-memory JSON.parse of the same lines:      ${rate(bareParse)} lines/s`);
console.log(`nesting check alone:                         ${rate(limitCheck)} lines/s`);
console.log(
  `nesting check / JSON.parse:                  ${((bareParse / limitCheck) * 100).toFixed(1)}% of the parse's time`,
);

const sameLines = `${notificationCount / 1000}k recorded-shape notifications`;
const medianNote = `median of ${runs}, interleaved with the other inbound measurements`;
recordFigure({
  id: "bare-stdout-loop",
  figure: `bare loop over a child's stdout (StringDecoder, split on \\n, JSON.parse), ${sameLines}`,
  value: bare,
  unit: "lines/s",
  note: medianNote,
});
recordFigure({
  id: "client-notifications",
  figure: `ImsgClient over the same child to a Subscription.consume handler (framer, nesting check, JSON.parse, compiled schema check, mapping)`,
  value: consumed,
  unit: "notifications/s",
  note: medianNote,
});
recordFigure({
  id: "client-notifications-for-await",
  figure: "the same through for await over the Subscription",
  value: iterated,
  unit: "notifications/s",
  note: medianNote,
});
recordFigure({
  id: "client-vs-bare-loop",
  figure: "ImsgClient (consume) / bare stdout loop throughput, side by side in the same run",
  value: consumed / bare,
  unit: "×",
  goal: { atLeast: 0.8, label: "≥ 0.8× the bare loop" },
});
recordFigure({
  id: "round-trip-sequential",
  figure: "typed chatsList({ limit: 1 }) round trip against a child, one at a time",
  value: oneAtATime,
  unit: "µs/request",
  note: `median of ${runs} runs of ${roundTrips.toLocaleString("en")} requests`,
});
recordFigure({
  id: "round-trips-16",
  figure: "typed chatsList({ limit: 1 }) round trips, 16 in flight",
  value: inFlight16,
  unit: "requests/s",
  note: `median of ${runs} runs of ${roundTrips.toLocaleString("en")} requests`,
});
recordFigure({
  id: "bare-json-parse",
  figure: `in-memory JSON.parse loop over the same ${sameLines}`,
  value: bareParse,
  unit: "lines/s",
});
recordFigure({
  id: "json-limit-check",
  figure: `nesting and size check before JSON.parse (exceededJsonLimit) over the same ${sameLines}`,
  value: limitCheck,
  unit: "lines/s",
});
recordFigure({
  id: "json-limit-check-vs-parse",
  figure: "time of that check / time of the in-memory JSON.parse loop, same lines, same run",
  value: bareParse / limitCheck,
  unit: "×",
});
rmSync(directory, { recursive: true, force: true });
