// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { builtinModules, createRequire } from "node:module";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { GatewayHarness, gatewayBinPath } from "../test-support/gateway-harness.ts";

const root = new URL("../../../../", import.meta.url).pathname;
const builtCli = new URL("../../dist/cli.js", import.meta.url).href;
/** Prints every TypeScript module the process resolves: the built CLI must load none. */
const reportTypeScript = `data:text/javascript,${encodeURIComponent(
  'import { registerHooks } from "node:module"; registerHooks({ resolve(specifier, context, next) { const resolved = next(specifier, context); if (resolved.url.endsWith(".ts")) process.stderr.write("loaded " + resolved.url + "\\n"); return resolved; } });',
)}`;
const fromDist = { ...process.env, IMESSAGE_CHANNEL_FROM: "dist" };

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
