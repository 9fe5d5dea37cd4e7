import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { BenchPeerError } from "./bench-peer-error.ts";
import { npmFailureReason } from "./npm-failure.ts";
import { referencePackages, referenceVersion } from "./reference-pin.ts";

/** Written last, once npm finished and both packages are the pinned version: its absence means "not complete". */
const stampName = "bench-peer-install.json";

/** Whether `directory` holds a complete install of exactly `packages` (the stamp matches, both versions check out). */
export function isReferenceInstalled(
  directory: string,
  packages = referencePackages,
  version = referenceVersion,
): boolean {
  const stampPath = join(directory, stampName);
  if (!existsSync(stampPath)) return false;
  try {
    const stamp = JSON.parse(readFileSync(stampPath, "utf8")) as { packages?: unknown };
    if (JSON.stringify(stamp.packages) !== JSON.stringify(packages)) return false;
    return ["openclaw", "@openclaw/imessage"].every((name) => installedVersion(directory, name) === version);
  } catch {
    return false;
  }
}

function installedVersion(directory: string, name: string): string | undefined {
  const manifest = join(directory, "node_modules", name, "package.json");
  if (!existsSync(manifest)) return undefined;
  return (JSON.parse(readFileSync(manifest, "utf8")) as { version?: string }).version;
}

/**
 * Installs the pinned reference into `directory` with npm, unless a complete install is there already. npm runs
 * with this Node's folder first on PATH: openclaw's install scripts refuse a Node older than 24.16, and the machine's
 * own `node` may be one. Resolves with `directory`; throws `INSTALL_FAILED` with npm's reason and the cache path.
 */
export async function ensureReference(directory: string, log: (line: string) => void): Promise<string> {
  if (isReferenceInstalled(directory)) return directory;
  log(`installing ${referencePackages.join(" ")} into ${directory} (one time, about 660 MB)`);
  mkdirSync(directory, { recursive: true });
  const dependencies = Object.fromEntries(
    referencePackages.map((spec) => {
      const at = spec.lastIndexOf("@");
      return [spec.slice(0, at), spec.slice(at + 1)];
    }),
  );
  writeFileSync(
    join(directory, "package.json"),
    `${JSON.stringify({ name: "bench-peer-reference", private: true, dependencies }, null, 2)}\n`,
  );
  const failure = await runNpm(directory, ["install", "--no-audit", "--no-fund", "--loglevel=error"]);
  if (failure !== undefined) {
    throw new BenchPeerError(
      "INSTALL_FAILED",
      `npm install of ${referencePackages.join(" ")} failed (${failure}); cache folder: ${directory} (delete it to start over)`,
    );
  }
  for (const name of ["openclaw", "@openclaw/imessage"]) {
    const version = installedVersion(directory, name);
    if (version !== referenceVersion) {
      throw new BenchPeerError(
        "INSTALL_FAILED",
        `npm install finished but ${name} is ${version ?? "missing"}, not ${referenceVersion}; cache folder: ${directory} (delete it and run again)`,
      );
    }
  }
  writeFileSync(join(directory, stampName), `${JSON.stringify({ packages: referencePackages }, null, 2)}\n`);
  return directory;
}

/** Runs npm in `directory`, its stderr shown as it comes; resolves with why it failed, or undefined. */
function runNpm(directory: string, args: string[]): Promise<string | undefined> {
  const nodeFolder = dirname(process.execPath);
  const environment = { ...process.env, PATH: `${nodeFolder}${delimiter}${process.env.PATH ?? ""}` };
  return new Promise((resolve) => {
    const child = spawn("npm", args, { cwd: directory, env: environment, stdio: ["ignore", "inherit", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      process.stderr.write(chunk);
      if (stderr.length < 1_000_000) stderr += chunk.toString("utf8");
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === "ENOENT" ? "npm is not on PATH: install Node's npm" : `could not run npm: ${error.message}`,
      );
    });
    child.on("close", (code, signal) => {
      if (code === 0) resolve(undefined);
      else {
        const reason = npmFailureReason(stderr);
        resolve(`npm exited ${code ?? signal}${reason ? `: ${reason}` : ""}`);
      }
    });
  });
}
