// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createChatDb, inject, writeSimWrapper } from "@imessage-channel/imsg-sim";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterAll, describe, expect, it } from "vitest";

const workspaceRoot = join(import.meta.dirname, "..", "..", "..");
const channelName = "@imessage-channel/channel";

/** What a consumer's own service would do with the installed packages: the README's embed example, in plain JS. */
const consumerScript = `import { createChannel } from "@imessage-channel/channel";
import { validateConfig } from "@imessage-channel/config";
import { silentLogger } from "@imessage-channel/kit";

const [cliPath, dbPath, stateDir] = process.argv.slice(2);
for (const name of ["@imessage-channel/channel", "@imessage-channel/config", "@imessage-channel/kit"]) {
  console.log(\`resolved \${name} \${import.meta.resolve(name)}\`);
}
const { config, errors } = validateConfig({
  channels: { imessage: { cliPath, dbPath, allowFrom: ["+15555550123"] } },
});
if (!config) throw new Error(errors.join("\\n"));
const channel = createChannel({
  config,
  stateDir,
  logger: silentLogger,
  agents: { get: () => ({ kind: "mine", run: async (turn) => ({ text: \`You said: \${turn.text}\` }) }) },
});
channel.on("reply", (reply) => console.log(\`answered \${reply.guids.join(", ")} in \${reply.sessionKey}\`));
channel.on("status", (status) => console.log(\`status \${status.state}\`));
await channel.start();
if (channel.status()[0]?.state === "connected") console.log("status connected");
process.stdin.resume();
process.stdin.once("end", async () => {
  await channel.stop();
  console.log("stopped");
});
`;

interface WorkspacePackage {
  name: string;
  dir: string;
  dependencies: string[];
}

async function workspacePackages(): Promise<Map<string, WorkspacePackage>> {
  const packages = new Map<string, WorkspacePackage>();
  for (const entry of await readdir(join(workspaceRoot, "packages"))) {
    const dir = join(workspaceRoot, "packages", entry);
    const manifest = JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as {
      name: string;
      dependencies?: Record<string, string>;
    };
    const dependencies = Object.entries(manifest.dependencies ?? {})
      .filter(([, range]) => range.startsWith("workspace:"))
      .map(([name]) => name);
    packages.set(manifest.name, { name: manifest.name, dir, dependencies });
  }
  return packages;
}

/** The channel and every workspace package it depends on at run time, transitively. */
function runtimeClosure(packages: Map<string, WorkspacePackage>, root: string): WorkspacePackage[] {
  const seen = new Map<string, WorkspacePackage>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const found = packages.get(name);
    if (!found) throw new Error(`${name} is a workspace dependency but no packages/*/package.json names it`);
    seen.set(name, found);
    for (const dependency of found.dependencies) visit(dependency);
  };
  visit(root);
  return [...seen.values()];
}

/** Runs a command to completion; rejects with its output when it fails. */
async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const [code] = (await once(child, "close")) as [number | null];
  if (code !== 0) throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited ${code}:\n${output}`);
  return output;
}

function sentTexts(dbPath: string): string[] {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = database.prepare("SELECT IFNULL(text, '') AS text FROM message WHERE is_from_me = 1").all();
    return rows.map((row) => String(row.text));
  } finally {
    database.close();
  }
}

/** npm settings a machine may need to reach its registry; pnpm's other `npm_*` variables are not npm's business. */
const npmSettings = new Set([
  "registry",
  "cache",
  "userconfig",
  "proxy",
  "https_proxy",
  "noproxy",
  "cafile",
  "strict_ssl",
]);

/** The environment of a process outside the workspace: no inherited conditions, loaders or pnpm settings. */
function plainEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === "NODE_OPTIONS" || key === "NODE_PATH" || key.startsWith("VITEST")) continue;
    if (
      key.toLowerCase().startsWith("npm_") &&
      !npmSettings.has(
        key
          .slice(4)
          .toLowerCase()
          .replace(/^config_/, ""),
      )
    )
      continue;
    env[key] = value;
  }
  return env;
}

describe("the packed channel, installed outside the workspace", () => {
  let dir: string | undefined;
  let consumer: ChildProcess | undefined;

  afterAll(async () => {
    if (consumer && consumer.exitCode === null) consumer.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("builds, packs, installs with npm and answers a message on a simulated Mac from dist/", {
    timeout: 300_000,
  }, async () => {
    dir = await mkdtemp(join(tmpdir(), "channel-packed-"));
    expect(relative(workspaceRoot, dir).startsWith("..")).toBe(true);
    const tarballs = join(dir, "tarballs");
    const app = join(dir, "app");
    const mac = join(dir, "mac");
    await Promise.all([mkdir(tarballs), mkdir(app), mkdir(mac)]);

    const packed = runtimeClosure(await workspacePackages(), channelName);
    await run("pnpm", ["--filter-prod", `${channelName}...`, "run", "build"], workspaceRoot);
    await Promise.all(packed.map((pkg) => run("pnpm", ["pack", "--pack-destination", tarballs], pkg.dir)));

    // pnpm pack turns workspace:* into 0.0.0, which no registry has: every one of ours comes from its tarball.
    const files = await readdir(tarballs);
    const fromTarballs: Record<string, string> = {};
    for (const pkg of packed) {
      const file = files.find((name) => name.startsWith(`${pkg.name.slice(1).replace("/", "-")}-`));
      if (!file) throw new Error(`pnpm pack wrote no tarball for ${pkg.name} into ${tarballs}: ${files.join(", ")}`);
      fromTarballs[pkg.name] = `file:${join(tarballs, file)}`;
    }
    await writeFile(
      join(app, "package.json"),
      JSON.stringify({
        name: "my-service",
        private: true,
        type: "module",
        dependencies: fromTarballs,
        // A Node service that type-checks has its own @types/node; node:sqlite's types need 22.13 or later.
        devDependencies: { "@types/node": "^24.10.0" },
        overrides: fromTarballs,
      }),
    );
    await writeFile(join(app, "service.js"), consumerScript);
    // The third-party dependencies come from the npm registry (or npm's cache); install scripts (ssh2's optional
    // native crypto) are not needed.
    await run(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
      app,
      plainEnv(),
    );

    // The README's example, type-checked as a strict TypeScript consumer would (skipLibCheck off): the published
    // .d.ts files must resolve every module they name from what the tarballs install.
    await copyFile(join(import.meta.dirname, "..", "examples", "embed.ts"), join(app, "embed.ts"));
    await writeFile(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "es2024",
          module: "nodenext",
          types: ["node"],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
        },
        files: ["embed.ts"],
      }),
    );
    await run(
      process.execPath,
      [join(workspaceRoot, "node_modules", "typescript", "bin", "tsc"), "-p", app],
      app,
      plainEnv(),
    );

    const dbPath = join(mac, "chat.db");
    createChatDb(dbPath);
    const cliPath = join(mac, "imsg");
    await writeSimWrapper(cliPath, dbPath);

    // Plain node: no @imessage-channel/source condition, so every import resolves to an installed dist/.
    const child = spawn(process.execPath, ["service.js", cliPath, dbPath, join(mac, "state")], {
      cwd: app,
      env: plainEnv(),
      stdio: ["pipe", "pipe", "pipe"],
    });
    consumer = child;
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const exited = once(child, "exit") as Promise<[number | null, NodeJS.Signals | null]>;
    const alive = () => {
      if (child.exitCode !== null) throw new Error(`the service exited ${child.exitCode}:\n${stdout}\n${stderr}`);
      return true;
    };

    await waitFor(() => alive() && stdout.includes("status connected"), "the account to connect", 30_000);
    for (const name of [channelName, "@imessage-channel/config", "@imessage-channel/kit"]) {
      const installed = join(app, "node_modules", ...name.split("/"), "dist", "index.js");
      expect(stdout).toContain(`resolved ${name} file://${installed}`);
    }

    const row = inject(dbPath, { from: "+15555550123", text: "hello" });
    await waitFor(() => alive() && sentTexts(dbPath).includes("You said: hello"), "the reply in chat.db", 30_000);
    await waitFor(() => alive() && stdout.includes(`answered ${row.guid}`), "the reply event");

    child.stdin.end();
    const [code] = await exited;
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("stopped");
  });
});
