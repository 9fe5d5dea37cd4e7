#!/usr/bin/env node
// `pnpm bench:peer [--quick]`: our channel side by side with the reference implementation (issue 22). Installs the
// pinned reference outside the workspace once, measures both against one fake imsg, prints the table and rewrites
// the "Side by side with the reference" section of docs/performance.md. Never run in CI; no test depends on it.
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";
import { BenchPeerError } from "./bench-peer-error.ts";
import { ensureReference } from "./install-reference.ts";
import { referenceCacheDirectory } from "./reference-pin.ts";
import { runPeerBench } from "./run-peer-bench.ts";

const usage = "usage: pnpm bench:peer [--quick]   (--quick: fewer notifications and repetitions, a smoke run)";
const log = (line: string) => console.error(`bench-peer: ${line}`);

try {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== "--quick");
  if (unknown.length > 0) throw new BenchPeerError("USAGE", `unknown argument ${unknown.join(" ")}; ${usage}`);
  const installDirectory = await ensureReference(referenceCacheDirectory(process.env, homedir()), log);
  await runPeerBench({
    mode: args.includes("--quick") ? "quick" : "full",
    root: fileURLToPath(new URL("../../../", import.meta.url)),
    installDirectory,
    log,
  });
  // The reference's plugin state runs in worker threads that outlive its last call.
  process.exit(0);
} catch (error) {
  if (BenchPeerError.isInstance(error)) {
    log(error.message);
    process.exit(error.code === "USAGE" ? 2 : 1);
  }
  throw error;
}
