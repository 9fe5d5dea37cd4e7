/**
 * `pnpm bench` for the app: the in-process pipeline bench, then the end-to-end CLI bench, each in its own Node
 * process with its own flags; arguments (`--quick`) go to both.
 *   node apps/gateway/bench/run-benches.ts [--quick]
 */
import { spawnSync } from "node:child_process";

const benches: Array<{ file: string; flags: string[] }> = [
  // The pipeline runs in the bench's own process: it gets the young-generation cap the CLI sets for `gateway`
  // (bin/imessage-channel.js), so its RSS is the gateway's, plus --expose-gc for the retained-heap figures.
  { file: "gateway-overhead.bench.ts", flags: ["--expose-gc", "--max-semi-space-size=1", "--heap-growing-percent=20"] },
  { file: "gateway-e2e.bench.ts", flags: [] },
];
let failed = false;
for (const { file, flags } of benches) {
  const path = new URL(file, import.meta.url).pathname;
  const run = spawnSync(
    process.execPath,
    [...flags, "--conditions=@imessage-channel/source", path, ...process.argv.slice(2)],
    {
      stdio: "inherit",
    },
  );
  if (run.status !== 0) {
    console.error(`${file} exited with ${run.status ?? run.signal}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
