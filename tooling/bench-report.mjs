#!/usr/bin/env node
// `pnpm bench [--quick]`: runs every package's bench through turbo, one at a time, with BENCH_RESULTS naming a
// file the benches append their figures to (@imessage-channel/bench-kit's recordFigure), then writes
// docs/performance.md from it. Exits 1 when a bench failed or recorded nothing, never because a figure missed
// its goal: benchmarks print, tests assert.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import {
  benchResultsVariable,
  describeMachine,
  parseFigureLines,
  peerSectionOf,
  renderReport,
} from "./bench-kit/src/index.ts";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const reportPath = join(root, "docs", "performance.md");
const usage = "usage: pnpm bench [--quick]   (--quick: smaller runs, a smoke check of about a minute)";

const args = process.argv.slice(2);
const unknown = args.filter((arg) => arg !== "--quick");
if (unknown.length > 0) {
  console.error(`bench-report: unknown argument ${unknown.join(" ")}; ${usage}`);
  process.exit(2);
}
const mode = args.includes("--quick") ? "quick" : "full";

/** Names of the workspace packages that have a `bench` script: each should record at least one figure. */
function packagesWithBench() {
  const names = [];
  for (const group of ["packages", "apps"]) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const manifestPath = join(root, group, entry.name, "package.json");
      if (!entry.isDirectory() || !existsSync(manifestPath)) continue;
      const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
      if (manifest.scripts?.bench) names.push(manifest.name);
    }
  }
  return names;
}

const resultsDirectory = mkdtempSync(join(tmpdir(), "bench-results-"));
const resultsPath = join(resultsDirectory, "figures.jsonl");
writeFileSync(resultsPath, "");
const startedAt = new Date();
const loadAtStart = loadavg()[0];
const turboArgs = ["run", "bench", "--concurrency=1", "--continue", "--ui=stream"];
if (mode === "quick") turboArgs.push("--", "--quick");
console.error(`bench-report: ${mode} run: turbo ${turboArgs.join(" ")}`);
const turbo = spawnSync("turbo", turboArgs, {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, [benchResultsVariable]: resultsPath, TURBO_TELEMETRY_DISABLED: "1" },
});
const durationSeconds = (Date.now() - startedAt.getTime()) / 1000;

const { figures, problems } = parseFigureLines(readFileSync(resultsPath, "utf8"));
rmSync(resultsDirectory, { recursive: true, force: true });
const recorded = new Set(figures.map((figure) => figure.package));
const silentPackages = packagesWithBench().filter((name) => !recorded.has(name));

mkdirSync(dirname(reportPath), { recursive: true });
// The side-by-side section of `pnpm bench:peer` is not ours to rewrite: it is kept as it stands.
const peerSection = existsSync(reportPath) ? peerSectionOf(readFileSync(reportPath, "utf8")) : undefined;
writeFileSync(
  reportPath,
  renderReport({
    figures,
    machine: describeMachine(),
    mode,
    startedAt,
    durationSeconds,
    silentPackages,
    loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0] },
    peerSection,
  }),
);
console.error(`bench-report: wrote ${relative(root, reportPath)} (${figures.length} figures, ${mode} mode)`);

const failures = [];
if (turbo.error) failures.push(`could not run turbo: ${turbo.error.message}`);
else if (turbo.status !== 0) failures.push(`turbo exited ${turbo.status ?? turbo.signal}: a bench failed (see above)`);
for (const problem of problems) failures.push(`results file ${problem}`);
if (silentPackages.length > 0) failures.push(`no figures from ${silentPackages.join(", ")}`);
for (const failure of failures) console.error(`bench-report: ${failure}`);
process.exit(failures.length > 0 ? 1 : 0);
