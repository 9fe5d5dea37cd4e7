import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";

const root = new URL("../../../../", import.meta.url).pathname;

/** The major version of the Node at `path`, or undefined when it does not run. */
function nodeMajor(path: string): number | undefined {
  const run = spawnSync(path, ["--version"], { encoding: "utf8" });
  const match = run.status === 0 ? /^v(\d+)\./.exec(run.stdout) : null;
  return match ? Number(match[1]) : undefined;
}

/**
 * A Node older than 24, the kind a new user has: the first one on PATH or in the usual places (Debian's
 * /usr/bin/node is 20), else Node 20 from the npm registry's `node-<platform>` package, installed once into
 * .toolchain/older-node the way tooling/bootstrap.mjs installs Node 24.
 */
export function olderNode(): string {
  const candidates = [
    ...(process.env.PATH ?? "").split(delimiter).map((directory) => join(directory, "node")),
    "/usr/bin/node",
    "/usr/local/bin/node",
    "/opt/homebrew/bin/node",
  ];
  for (const candidate of candidates) {
    const major = existsSync(candidate) ? nodeMajor(candidate) : undefined;
    if (major !== undefined && major < 24) return candidate;
  }
  const prefix = join(root, ".toolchain", "older-node");
  const installed = join(prefix, "node_modules", ".bin", "node");
  if (!existsSync(installed)) {
    const platformPackage = `node-${process.platform}-${process.arch}`;
    execFileSync(
      "npm",
      [
        "install",
        "--prefix",
        prefix,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        `${platformPackage}@20`,
      ],
      { stdio: "ignore" },
    );
  }
  return installed;
}
