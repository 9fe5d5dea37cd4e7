// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GatewayHarness, gatewayBinPath } from "../test-support/gateway-harness.ts";
import { olderNode } from "../test-support/older-node.ts";
import { plainEnvironment } from "../test-support/plain-environment.ts";

const root = new URL("../../../../", import.meta.url).pathname;
const builtCli = new URL("../../dist/cli.js", import.meta.url).href;
/** Prints every TypeScript module the process resolves: the built CLI must load none. */
const reportTypeScript = `data:text/javascript,${encodeURIComponent(
  'import { registerHooks } from "node:module"; registerHooks({ resolve(specifier, context, next) { const resolved = next(specifier, context); if (resolved.url.endsWith(".ts")) process.stderr.write("loaded " + resolved.url + "\\n"); return resolved; } });',
)}`;
const fromDist = { ...process.env, IMESSAGE_CHANNEL_FROM: "dist" };
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

beforeAll(() => {
  // turbo's cache makes this quick when nothing changed since the last build.
  execFileSync("pnpm", ["build"], {
    cwd: root,
    stdio: "ignore",
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
}, 180_000);

describe("the built CLI (dist), without the @imessage-channel/source condition", () => {
  it("is bundled, and the bin runs the bundle", () => {
    expect(existsSync(new URL("../../dist/bundle/cli.js", import.meta.url))).toBe(true);
  });

  it("leaves outside the bundle only modules this package depends on, so an installed copy finds each of them", () => {
    const bundle = new URL("../../dist/bundle/", import.meta.url);
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ]);
    const outside = new Set<string>();
    for (const file of readdirSync(bundle).filter((name) => name.endsWith(".js"))) {
      // Bundled libraries keep their doc comments, whose examples require things: code lines only.
      const code = readFileSync(new URL(file, bundle), "utf8")
        .split("\n")
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join("\n");
      // Static and dynamic imports and require calls of a bare name (a lazy require is what a bundler leaves).
      for (const match of code.matchAll(
        /(?:from\s*|import\s*\(\s*|require\s*\(\s*|\)\(\s*)["'](@?[a-z0-9][a-z0-9._/-]*)["']/g,
      )) {
        const specifier = match[1]!;
        if (specifier.startsWith("node:") || builtinModules.includes(specifier.split("/")[0]!)) continue;
        outside.add(specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0]!);
      }
    }
    expect(outside).toContain("ajv");
    for (const name of outside) {
      expect(declared, `${name} is left outside dist/bundle/ but is not a dependency of the app`).toContain(name);
      expect(() => createRequire(new URL("../../package.json", import.meta.url)).resolve(name)).not.toThrow();
    }
  });

  it("prints --help from dist/ and loads no TypeScript source", () => {
    const run = spawnSync(process.execPath, ["--import", reportTypeScript, gatewayBinPath, "--help"], {
      encoding: "utf8",
      env: fromDist,
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: imessage-channel/);
    expect(run.stderr).not.toContain("loaded ");
  });

  it("runs a command from dist/cli.js's main, every workspace import resolving to its package's dist", async () => {
    harness = await GatewayHarness.create();
    const script = `const { main } = await import(${JSON.stringify(builtCli)}); process.exitCode = await main(["config", "validate", "--config", ${JSON.stringify(harness.configPath)}]);`;
    const run = spawnSync(process.execPath, ["--import", reportTypeScript, "--input-type=module", "-e", script], {
      encoding: "utf8",
      env: harness.env,
    });
    expect(run.stderr).not.toContain("loaded ");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/valid/i);
  });

  it("answers a row from a simulated Mac as the gateway from dist/, and stops cleanly on SIGTERM", async () => {
    harness = await GatewayHarness.create({ channel: { dmPolicy: "open", allowFrom: ["*"] } });
    await harness.start([], { IMESSAGE_CHANNEL_FROM: "dist" });
    harness.inject({ from: "+15555550123", text: "built and running" });
    await harness.waitForSent((rows) => rows.some((row) => row.text.includes("built and running")), "the echo");
    expect(await harness.stop("SIGTERM")).toBe(0);
  });

  it("reports a config problem from dist/ with exit code 2", async () => {
    harness = await GatewayHarness.create();
    const broken = join(harness.dir, "broken.json5");
    await writeFile(broken, JSON.stringify({ channels: { imessage: { dmPolicy: "opn" } } }));
    const run = spawnSync(process.execPath, [gatewayBinPath, "config", "validate", "--config", broken], {
      encoding: "utf8",
      env: { ...harness.env, IMESSAGE_CHANNEL_FROM: "dist" },
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("dmPolicy");
  });

  it("points a service at this package's bin when the built CLI writes it", async () => {
    harness = await GatewayHarness.create();
    const run = spawnSync(
      process.execPath,
      [gatewayBinPath, "service", "install", "--dry-run", "--platform", "linux", "--config", harness.configPath],
      { encoding: "utf8", env: { ...harness.env, IMESSAGE_CHANNEL_FROM: "dist" } },
    );
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`${JSON.stringify(gatewayBinPath)} "gateway"`);
  });
});

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

let work: string;
let installed: string;
let packed: Array<{ name: string; filename: string }>;
const cleanEnv = plainEnvironment();

function installedManifest(name: string): Manifest {
  return JSON.parse(readFileSync(join(installed, "node_modules", name, "package.json"), "utf8"));
}

// What `pnpm release` puts on the registry (README "Releasing"): the app and every workspace package it depends on,
// packed by pnpm, which turns `workspace:*` into the packages' versions. Installed from those tarballs into an empty
// folder, third-party dependencies from the npm registry. In this file, after the one build, so that no second
// `pnpm build` rewrites dist/ under the tests above.
describe("the published packages, installed from their tarballs into an empty folder", () => {
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "published-package-"));
    installed = join(work, "empty-folder");
    await mkdir(installed);
    const packOutput = execFileSync(
      "pnpm",
      ["-r", "--filter-prod", "imessage-channel...", "pack", "--pack-destination", join(work, "tarballs"), "--json"],
      { cwd: root, encoding: "utf8", env: cleanEnv },
    );
    packed = JSON.parse(packOutput);
    execFileSync(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        "--loglevel=error",
        ...packed.map((tarball) => tarball.filename),
      ],
      { cwd: installed, stdio: "ignore", env: cleanEnv },
    );
  }, 300_000);
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("are the app and every workspace package it needs, none private, with workspace ranges turned into versions", () => {
    const names = packed.map((tarball) => tarball.name);
    expect(names).toContain("imessage-channel");
    for (const name of names) {
      const manifest = installedManifest(name);
      expect(manifest.private, `${name} is private: changesets would not publish it`).not.toBe(true);
      const ranges = Object.values({ ...manifest.dependencies, ...manifest.optionalDependencies });
      expect(
        ranges.filter((range) => range.startsWith("workspace:")),
        name,
      ).toEqual([]);
      for (const [dependency, range] of Object.entries(manifest.dependencies ?? {}))
        if (dependency.startsWith("@imessage-channel/"))
          expect(names, `${name} needs ${dependency}@${range}`).toContain(dependency);
    }
  });

  it("npx imessage-channel --version prints the app's version", () => {
    // --no-install: never run a package of that name from the registry when the installed one is missing.
    const run = spawnSync("npx", ["--no-install", "imessage-channel", "--version"], {
      cwd: installed,
      encoding: "utf8",
      env: cleanEnv,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
  });

  it("npx imessage-channel demo --script completes its conversation on the installed simulated Mac", () => {
    const run = spawnSync("npx", ["--no-install", "imessage-channel", "demo", "--script"], {
      cwd: installed,
      encoding: "utf8",
      env: cleanEnv,
    });
    expect(run.stdout).toContain("every expected reply arrived");
    expect(run.status).toBe(0);
  });

  it("every package imports under plain Node, without the @imessage-channel/source condition", () => {
    const names = packed.map((tarball) => tarball.name);
    const script = `for (const name of ${JSON.stringify(names)}) await import(name);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: installed,
      encoding: "utf8",
      env: cleanEnv,
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("on a Node older than 24 the installed CLI says to install Node 24, in one line", () => {
    const run = spawnSync(olderNode(), [join(installed, "node_modules/imessage-channel/bin/imessage-channel.js")], {
      encoding: "utf8",
    });
    expect(run.stderr).toMatch(
      /^imessage-channel needs Node ≥ 24 \(found [\d.]+\); install Node 24 or newer \(https:\/\/nodejs\.org\) and run it again\n$/,
    );
    expect(run.status).toBe(1);
  });
});
