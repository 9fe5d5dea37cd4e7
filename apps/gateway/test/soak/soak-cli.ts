/**
 * `pnpm soak [--minutes N] [--rate R] [--seed S] [--chaos-every SEC] [--coalesce on|off] [--catchup on|off]
 * [--log-level L] [--imsg-version V] [--bridge up|down]` (the bridge is up by default where imsg
 * offers send.tracked, 0.15+): the gateway under steady load and chaos, then a verdict.
 * Exits 0 when every row was dispatched and answered exactly once and RSS stayed bounded, 1 otherwise.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatSoakReport } from "./format-soak-report.ts";
import { runSoak } from "./run-soak.ts";
import { defaultSoakBridge } from "./soak-world.ts";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "2" },
    rate: { type: "string", default: "6" },
    seed: { type: "string", default: String(Date.now() % 100_000) },
    "chaos-every": { type: "string", default: "8" },
    "log-level": { type: "string", default: "info" },
    coalesce: { type: "string", default: "on" },
    catchup: { type: "string", default: "on" },
    "imsg-version": { type: "string", default: "0.15.10" },
    bridge: { type: "string" },
  },
});

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: --${name} "${text}" is not a positive number (e.g. --${name} 2)`);
    process.exit(2);
  }
  return value;
}

let unhandled = 0;
process.on("unhandledRejection", (reason) => {
  unhandled++;
  console.error(`soak: unhandled rejection in the soak runner: ${String(reason)}`);
});

const minutes = positive("minutes", values.minutes);
const bridge = values.bridge ?? defaultSoakBridge(values["imsg-version"]);
if (bridge !== "up" && bridge !== "down") {
  console.error(`soak: --bridge "${bridge}" is not one of up | down (up: imsg 0.15 sends text with send.tracked)`);
  process.exit(2);
}
const seed = positive("seed", values.seed);
console.log(
  `soak: ${minutes} min, ${values.rate} rows/s, chaos every ${values["chaos-every"]} s, seed ${seed}, coalesce ${values.coalesce}, catchup ${values.catchup}, imsg ${values["imsg-version"]}, bridge ${bridge}`,
);
const report = await runSoak({
  durationMs: minutes * 60_000,
  ratePerSecond: positive("rate", values.rate),
  chaosEveryMs: positive("chaos-every", values["chaos-every"]) * 1000,
  seed,
  logLevel: values["log-level"],
  coalesce: values.coalesce !== "off",
  catchup: values.catchup !== "off",
  imsgVersion: values["imsg-version"],
  bridge,
  logPath: join(tmpdir(), `imessage-channel-soak-${seed}-coalesce-${values.coalesce}-catchup-${values.catchup}.log`),
  onProgress: (line) => console.log(`soak: ${line}`),
});
console.log(formatSoakReport(report));
process.exitCode = report.ok && unhandled === 0 ? 0 : 1;
