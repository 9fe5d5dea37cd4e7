// Inject → watch notification latency of `imsg-sim rpc` (file-change detection on the db, -wal and -shm).
// Run: pnpm --filter @imessage-channel/imsg-sim bench [--quick]   (--quick: 20 samples per setting instead of 100)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { percentile, recordFigure } from "@imessage-channel/bench-kit";
import { inject } from "../src/inject.ts";
import { seed } from "../src/seed.ts";
import { SimProcess } from "../src/sim-process.ts";

const samplesPerSetting = process.argv.includes("--quick") ? 20 : 100;
const targetMs = 250;

async function measure(debounceMs: number): Promise<number[]> {
  const directory = mkdtempSync(join(tmpdir(), "imsg-sim-bench-"));
  const dbPath = join(directory, "chat.db");
  seed(dbPath);
  const sim = new SimProcess({ args: ["rpc", "--db", dbPath, "--imsg-version", "0.9.0"] });
  const { subscription } = (await sim.call("watch.subscribe", { debounce_ms: debounceMs })) as { subscription: number };
  const latencies: number[] = [];
  for (let index = 0; index < samplesPerSetting; index += 1) {
    const text = `bench ${debounceMs} ${index}`;
    const started = performance.now();
    inject(dbPath, { from: "+15551234567", text });
    await sim.waitFor(() => sim.messagesOf(subscription).some((message) => message.text === text), 10_000);
    latencies.push(performance.now() - started);
  }
  await sim.close();
  rmSync(directory, { recursive: true, force: true });
  return latencies.sort((left, right) => left - right);
}

for (const debounceMs of [0, 50, 500]) {
  const latencies = await measure(debounceMs);
  const p50 = percentile(latencies, 0.5);
  const p99 = percentile(latencies, 0.99);
  console.log(
    `debounce_ms=${String(debounceMs).padStart(3)}  n=${latencies.length}  p50=${p50.toFixed(1)} ms  ` +
      `p99=${p99.toFixed(1)} ms  max=${latencies.at(-1)!.toFixed(1)} ms  p99/target(${targetMs} ms)=${(p99 / targetMs).toFixed(2)}`,
  );
  for (const [name, value] of [
    ["p50", p50],
    ["p99", p99],
  ] as const) {
    recordFigure({
      id: `watch-latency-${name}-debounce-${debounceMs}`,
      figure: `inject → watch notification latency, ${name}, debounce_ms ${debounceMs}`,
      value,
      unit: "ms",
      note: `${latencies.length} samples`,
    });
  }
}
