// Loaded by imessage-channel.js once Node is new enough. In the workspace this runs the TypeScript sources (Node
// >= 24 strips types); an installed package, or IMESSAGE_CHANNEL_FROM=dist in the workspace (after `pnpm build`),
// runs the built CLI: dist/bundle/ (one file per command, scripts/bundle.ts), or dist/cli.js where there is no bundle.
import { existsSync } from "node:fs";
import { enableCompileCache, registerHooks } from "node:module";
import { setFlagsFromString } from "node:v8";

// Compiled code is cached on disk (in the OS temp dir, or NODE_COMPILE_CACHE) and reused by the next start:
// without it the CLI spends most of its start compiling the same modules again.
enableCompileCache?.();
// The gateway runs for months: V8 grows its young generation with the allocation rate (to 128 MB under load,
// committed for good, with some 20 MB of live heap) and never gives it back. Kept at its initial size, young
// collections stay small and frequent and RSS stays flat. With a small young generation, rows that live a few
// seconds (a turn waiting for its reply) get promoted, and V8's default growth let the old generation reach ~60 MB
// of mostly garbage before its first full collection, pages it then kept: growing it by 20% over what survived
// each full collection keeps the gateway under 120 MB at 400 rows/s (was 160; docs/performance.md). Set before
// anything is loaded (V8 reads both when it sizes the heap).
if (process.argv[2] === "gateway") {
  setFlagsFromString("--semi-space-growth-factor=1");
  setFlagsFromString("--heap-growing-percent=20");
}

const fromSource =
  process.env.IMESSAGE_CHANNEL_FROM !== "dist" && existsSync(new URL("../src/cli.ts", import.meta.url));
if (fromSource) {
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      nextResolve(specifier, { ...context, conditions: [...context.conditions, "@imessage-channel/source"] }),
  });
}
const built = existsSync(new URL("../dist/bundle/cli.js", import.meta.url))
  ? "../dist/bundle/cli.js"
  : "../dist/cli.js";
const { main } = await import(fromSource ? "../src/cli.ts" : built);
process.exitCode = await main(process.argv.slice(2));
