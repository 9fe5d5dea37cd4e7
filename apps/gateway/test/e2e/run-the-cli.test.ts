// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gatewayBinPath } from "../test-support/gateway-harness.ts";
import { olderNode } from "../test-support/older-node.ts";
import { onTerminal } from "../test-support/on-terminal.ts";
import { plainEnvironment } from "../test-support/plain-environment.ts";

const root = new URL("../../../../", import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

let oldNode: string;
let oldNodeVersion: string;
let dir: string;
beforeAll(async () => {
  oldNode = olderNode();
  oldNodeVersion = spawnSync(oldNode, ["--version"], { encoding: "utf8" }).stdout.trim().replace(/^v/, "");
  dir = await mkdtemp(join(tmpdir(), "run-the-cli-"));
}, 180_000);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A user's shell whose first Node is the old one. */
function oldNodeEnvironment(): NodeJS.ProcessEnv {
  return { ...plainEnvironment(), PATH: `${dirname(oldNode)}${delimiter}${process.env.PATH ?? ""}` };
}

describe("running the CLI from the checkout", () => {
  it("--version and -V print the app package's version", () => {
    for (const flag of ["--version", "-V"]) {
      const run = spawnSync(process.execPath, [gatewayBinPath, flag], { encoding: "utf8" });
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`${version}\n`);
    }
  });

  it("on a Node older than 24 prints one line naming the Node it found and `npm run cli`, not a stack trace, and exits 1", () => {
    const run = spawnSync(oldNode, [gatewayBinPath, "--help"], { encoding: "utf8" });
    expect(oldNodeVersion).toMatch(/^(1\d|2[0-3])\./);
    expect(run.stderr).toBe(
      `imessage-channel needs Node ≥ 24 (found ${oldNodeVersion}); run \`npm run cli -- <command>\` in the checkout (it installs Node 24 into .toolchain) or install Node 24\n`,
    );
    expect(run.stdout).toBe("");
    expect(run.status).toBe(1);
  });

  it("on a Node older than 24, an operator's terminal shows that one line and nothing else", async () => {
    const shown = await onTerminal(oldNode, gatewayBinPath, ["--help"], plainEnvironment());
    expect(shown.replace(/\r\n/g, "\n")).toBe(
      `imessage-channel needs Node ≥ 24 (found ${oldNodeVersion}); run \`npm run cli -- <command>\` in the checkout (it installs Node 24 into .toolchain) or install Node 24\n`,
    );
  });

  it("`npm run cli -- <args>` at the root runs the CLI under Node 24 when the PATH's Node is older, passing args and exit code through", () => {
    const env = oldNodeEnvironment();
    const shown = spawnSync("npm", ["run", "--silent", "cli", "--", "--version"], { cwd: root, env, encoding: "utf8" });
    expect(shown.stderr).not.toContain("needs Node");
    expect(shown.status).toBe(0);
    expect(shown.stdout.trim().split("\n").at(-1)).toBe(version);

    const missing = join(dir, "missing.json5");
    const refused = spawnSync("npm", ["run", "--silent", "cli", "--", "config", "validate", "--config", missing], {
      cwd: root,
      env,
      encoding: "utf8",
    });
    expect(refused.stderr).toContain(`config file ${missing} does not exist`);
    expect(refused.status).toBe(2);
  });
});
