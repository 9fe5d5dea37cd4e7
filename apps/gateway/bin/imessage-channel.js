#!/usr/bin/env node
// The executable. It must parse and run on any Node, so it loads nothing Node-24-only itself: a static import of
// run-cli.js (registerHooks) would fail to link on Node 20 with a SyntaxError and a stack trace before a line ran.
import { existsSync } from "node:fs";

const found = process.versions.node;
if (Number(found.split(".")[0]) < 24) {
  // In the checkout the root package's `npm run cli` brings Node 24 (tooling/bootstrap.mjs); an installed copy cannot.
  const fix = existsSync(new URL("../src/cli.ts", import.meta.url))
    ? "run `npm run cli -- <command>` in the checkout (it installs Node 24 into .toolchain) or install Node 24"
    : "install Node 24 or newer (https://nodejs.org) and run it again";
  process.stderr.write(`imessage-channel needs Node ≥ 24 (found ${found}); ${fix}\n`);
  process.exit(1);
}
await import("./run-cli.js");
