/**
 * After `tsc`: bundles dist/cli.js with every workspace package and library it imports into dist/bundle/ (one
 * file per lazily loaded command), which the bin runs when it runs the built CLI. Resolving and linking some 500
 * modules (zod, libphonenumber-js, the workspace packages) took about two thirds of every start; one file takes
 * a fraction of that. Left outside: Node's built-ins, ssh2 (CommonJS with optional native parts, loaded only for
 * SSH), ajv (rpc-client requires it lazily, once a schema is hot, which a bundler cannot follow), pino-pretty
 * (optional), and imsg-sim (the demo runs its bin by path). Each of them is a dependency of this package. dist/cli.js stays runnable as is.
 *   node scripts/bundle.ts
 */
import { rmSync } from "node:fs";
import { build } from "rolldown";

const outputDirectory = new URL("../dist/bundle/", import.meta.url).pathname;
rmSync(outputDirectory, { recursive: true, force: true });
await build({
  input: { cli: new URL("../dist/cli.js", import.meta.url).pathname },
  platform: "node",
  external: [/^node:/, "ssh2", "ajv", "pino-pretty", "@imessage-channel/imsg-sim"],
  logLevel: "warn",
  output: {
    dir: outputDirectory,
    format: "esm",
    entryFileNames: "[name].js",
    chunkFileNames: "[name]-[hash].js",
    sourcemap: true,
    comments: { legal: true, annotation: true, jsdoc: false },
  },
});
