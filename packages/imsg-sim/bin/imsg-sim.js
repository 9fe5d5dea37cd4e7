#!/usr/bin/env node
// In the workspace this runs the TypeScript sources (Node >= 24 strips types);
// an installed package runs the compiled dist/.
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";

const fromSource = existsSync(new URL("../src/cli.ts", import.meta.url));
if (fromSource) {
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      nextResolve(specifier, { ...context, conditions: [...context.conditions, "@imessage-channel/source"] }),
  });
}
const { main } = await import(fromSource ? "../src/cli.ts" : "../dist/cli.js");
process.exitCode = await main(process.argv.slice(2));
