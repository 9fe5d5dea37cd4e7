// Notifications/s parsed + validated by ImsgClient from a child emitting NDJSON, against a bare JSON.parse loop
// over the same lines in the same run; the cost of the pre-parse nesting check next to JSON.parse; and request
// round-trips/s against an echo child.
// Run: pnpm --filter @imessage-channel/rpc-client bench
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { recordFigure } from "@imessage-channel/bench-kit";
import { LocalTransport } from "@imessage-channel/transport";
import { ImsgClient } from "../src/imsg-client.ts";
import { exceededJsonLimit } from "../src/json-limits.ts";

const notificationCount = 50_000;
const roundTrips = 5_000;
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
writeFileSync(ndjsonPath, `${lines.join("\n")}\n`);
const megabytes = Buffer.byteLength(lines.join("\n")) / 1024 / 1024;

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

async function clientRate(): Promise<number> {
  const transport = new LocalTransport({ cliPath: process.execPath, args: [childPath, ndjsonPath] });
  const client = new ImsgClient({ transport });
  await client.start();
  // Timing starts once the child answered: spawning a Node child (~100 ms) is not the client's throughput.
  const subscription = await client.subscribe({});
  const started = performance.now();
  let received = 0;
  for await (const message of subscription) {
    received += 1;
    if (message.id === notificationCount) break;
  }
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  if (received !== notificationCount) throw new Error(`received ${received} of ${notificationCount}`);
  return notificationCount / seconds;
}

async function roundTripRate(inFlight: number): Promise<number> {
  const transport = new LocalTransport({ cliPath: process.execPath, args: [childPath] });
  const client = new ImsgClient({ transport });
  await client.start();
  await client.request("warm-up");
  const lanes = Array.from({ length: inFlight }, async (_, lane) => {
    for (let index = lane; index < roundTrips; index += inFlight) await client.request("echo", { index });
  });
  const started = performance.now();
  await Promise.all(lanes);
  const seconds = (performance.now() - started) / 1000;
  await client.close();
  return roundTrips / seconds;
}

// Both paths run warm (JIT and zod's compiled object parsers); the best of two runs each.
bareParseRate();
const bare = Math.max(bareParseRate(), bareParseRate());
limitCheckRate();
const limitCheck = Math.max(limitCheckRate(), limitCheckRate());
await clientRate();
const viaClient = Math.max(await clientRate(), await clientRate());
console.log(`notification lines: ${notificationCount} (${megabytes.toFixed(1)} MiB)`);
console.log(`bare JSON.parse:               ${Math.round(bare).toLocaleString("en")} lines/s`);
console.log(`ImsgClient (pipe+zod+mapping): ${Math.round(viaClient).toLocaleString("en")} notifications/s`);
console.log(`ratio client / bare parse:     ${(viaClient / bare).toFixed(2)} (goal >= 0.5)`);
console.log(`nesting check alone:           ${Math.round(limitCheck).toLocaleString("en")} lines/s`);
console.log(`nesting check / JSON.parse:    ${((bare / limitCheck) * 100).toFixed(1)}% of the parse's time`);
const oneInFlight = await roundTripRate(1);
const sixteenInFlight = await roundTripRate(16);
console.log(`round-trips, 1 in flight:      ${Math.round(oneInFlight).toLocaleString("en")} requests/s`);
console.log(`round-trips, 16 in flight:     ${Math.round(sixteenInFlight).toLocaleString("en")} requests/s`);
const sameLines = `${notificationCount / 1000}k recorded-shape notification lines`;
recordFigure({ id: "bare-json-parse", figure: `bare JSON.parse loop over ${sameLines}`, value: bare, unit: "lines/s" });
recordFigure({
  id: "client-notifications",
  figure: `ImsgClient over the same ${sameLines} from a child (pipe, framer, JSON.parse, zod, mapping)`,
  value: viaClient,
  unit: "notifications/s",
});
recordFigure({
  id: "client-vs-json-parse",
  figure: "ImsgClient / bare JSON.parse throughput, side by side in the same run",
  value: viaClient / bare,
  unit: "×",
  goal: { atLeast: 0.5, label: "≥ 0.5× JSON.parse" },
});
recordFigure({
  id: "json-limit-check",
  figure: `nesting and size check before JSON.parse (exceededJsonLimit) over the same ${sameLines}`,
  value: limitCheck,
  unit: "lines/s",
});
recordFigure({
  id: "json-limit-check-vs-parse",
  figure: "time of that check / time of the bare JSON.parse loop, same lines, same run",
  value: bare / limitCheck,
  unit: "×",
});
recordFigure({
  id: "round-trips-1",
  figure: "request round-trips, 1 in flight",
  value: oneInFlight,
  unit: "requests/s",
});
recordFigure({
  id: "round-trips-16",
  figure: "request round-trips, 16 in flight",
  value: sixteenInFlight,
  unit: "requests/s",
});
rmSync(directory, { recursive: true, force: true });
