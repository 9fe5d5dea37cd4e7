import { execFile } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { lstat, mkdir, readFile, readlink, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { type Config, ConfigError, loadConfig, resolveAccount } from "@imessage-channel/config";
import { errorMessage, writeFileAtomically } from "@imessage-channel/kit";
import { resolveStateDir } from "@imessage-channel/state";
import { CliError, type CliIo } from "../cli-io.ts";
import { renderLaunchdPlist } from "./launchd-plist.ts";
import {
  isValidAccountId,
  type ServiceDefinition,
  type ServicePlatform,
  serviceDefinition,
} from "./service-definition.ts";
import { directoriesOf, programsByBareName, servicePath } from "./service-path.ts";
import { renderSystemdUnit } from "./systemd-unit.ts";

export interface ServiceCommandOptions {
  account?: string;
  config?: string;
  platform?: string;
  dryRun?: boolean;
  /** Tests pin these; by default the running Node, this package's bin and the local systemd. */
  nodePath?: string;
  cliPath?: string;
  systemdVersion?: number | null;
}

/** `bin/imessage-channel.js`: two levels up from both `src/service/` and `dist/service/`. */
export const defaultCliPath = fileURLToPath(new URL("../../bin/imessage-channel.js", import.meta.url));

/** The installed bin itself, through any symlinks, so the service does not depend on the link it was run by. */
function installedCliPath(): string {
  try {
    return realpathSync(defaultCliPath);
  } catch {
    return defaultCliPath;
  }
}

/** The environment variables openai agents read their keys from: a service starts without the shell's. */
function keyVariables(config: Config | undefined): string[] {
  const names = (config?.agents?.list ?? []).flatMap((agent) =>
    agent.runtime.type === "openai" && agent.runtime.apiKeyEnv ? [agent.runtime.apiKeyEnv] : [],
  );
  return [...new Set(names)];
}

/** A Node inside a project's folder (`node_modules`, a bootstrapped `.toolchain`) goes when that folder does. */
function projectLocalNode(nodePath: string): boolean {
  return nodePath.split(sep).some((segment) => segment === "node_modules" || segment === ".toolchain");
}

function platformOf(requested: string | undefined): ServicePlatform {
  const platform = requested ?? process.platform;
  if (platform === "darwin" || platform === "linux") return platform;
  throw new CliError(
    `--platform ${JSON.stringify(platform)}: service files exist for darwin (launchd) and linux (systemd); pass --platform darwin or --platform linux`,
    2,
  );
}

/** The major systemd version (`systemctl --version` → `systemd 252 (…)`), or undefined when there is none. */
function localSystemdVersion(): Promise<number | undefined> {
  return new Promise((done) => {
    execFile("systemctl", ["--version"], { timeout: 5000 }, (error, stdout) => {
      const match = /^systemd (\d+)/.exec(String(stdout));
      done(error || !match ? undefined : Number(match[1]));
    });
  });
}

interface PreparedService {
  definition: ServiceDefinition;
  content: string;
  notes: string[];
}

/** Gathers what the service file says; `strict` (install) also insists on a valid config that knows the account. */
async function prepare(io: CliIo, options: ServiceCommandOptions, strict: boolean): Promise<PreparedService> {
  const platform = platformOf(options.platform);
  if (options.account !== undefined && !isValidAccountId(options.account)) {
    throw new CliError(
      `--account ${JSON.stringify(options.account)} is not an account id (letters, digits, - and _, up to 64)`,
      2,
    );
  }
  const homeDirectory = io.env.HOME?.trim() || homedir();
  const stateDir = resolve(io.cwd, resolveStateDir(io.env, homeDirectory));
  const notes: string[] = [];

  // A service starts in its own working directory, so the config file it should read is pinned by absolute path.
  const loaded = await loadConfig({ path: options.config, env: io.env, cwd: io.cwd, stateDir });
  const configPath = loaded.path;
  if (strict) {
    if (loaded.errors.length > 0) {
      throw new CliError(
        [...loaded.errors, "fix the config before installing the service (imessage-channel config validate)"].join(
          "\n",
        ),
        2,
      );
    }
    if (options.account !== undefined && loaded.config) {
      try {
        resolveAccount(loaded.config, options.account);
      } catch (error) {
        if (ConfigError.isInstance(error)) throw new CliError(error.problems.join("\n"), 2);
        throw error;
      }
    }
    if (!configPath) {
      notes.push(
        `No config file found: the service will read ${join(stateDir, "config.json5")} when it exists, else the built-in defaults.`,
      );
    }
    for (const name of keyVariables(loaded.config)) {
      notes.push(
        `The service does not inherit $${name} (an openai agent's apiKeyEnv) from this shell: add it to the service's environment yourself; it is never written here.`,
      );
    }
    const metricsPort = loaded.config?.metrics?.port;
    if (metricsPort !== undefined)
      notes.push(`The gateway serves /healthz and /metrics on http://127.0.0.1:${metricsPort} (metrics.port).`);
  }
  const nodePath = options.nodePath ?? process.execPath;
  if (strict && projectLocalNode(nodePath)) {
    notes.push(
      `Node ${nodePath} belongs to a project folder: the service stops working when that folder is moved or removed; run install with a Node installed system-wide to pin that one instead.`,
    );
  }

  const systemdVersion =
    options.systemdVersion === null
      ? undefined
      : (options.systemdVersion ??
        (platform === "linux" && process.platform === "linux" ? await localSystemdVersion() : undefined));
  const definition = serviceDefinition({
    platform,
    homeDirectory,
    stateDir,
    nodePath,
    cliPath: options.cliPath ?? installedCliPath(),
    accountId: options.account,
    configPath,
    // Not the interactive PATH (checkouts' node_modules/.bin, shell tools): Node's folder, the folders of the
    // programs the config starts by bare name, and the system's.
    searchPath: servicePath(platform, nodePath, await directoriesOf(programsByBareName(loaded.config), io.env.PATH)),
  });
  let content: string;
  try {
    content =
      platform === "darwin" ? renderLaunchdPlist(definition) : renderSystemdUnit(definition, { systemdVersion });
  } catch (error) {
    throw new CliError(errorMessage(error), 2);
  }
  return { definition, content, notes };
}

function loadInstructions(definition: ServiceDefinition, replaced: boolean): string[] {
  if (definition.platform === "darwin") {
    const target = `gui/$(id -u)/${definition.label}`;
    return [
      "Load it (no sudo: it is an agent of your own login session):",
      ...(replaced ? [`  launchctl bootout ${target} 2>/dev/null; true`] : []),
      `  launchctl bootstrap gui/$(id -u) ${definition.filePath}`,
      `Restart it:  launchctl kickstart -k ${target}`,
      `Check it:    launchctl print ${target}`,
      `Logs:        ${definition.stdoutPath} and ${definition.stderrPath}`,
      "It runs in your user session (the gui domain), so the TCC grants of that session apply: give Full Disk Access",
      `(and Automation for Messages) to ${definition.programArguments[0]} in System Settings > Privacy & Security,`,
      "as Terminal's grants do not carry over to launchd.",
    ];
  }
  return [
    "Load it (no sudo: it is a unit of your user's systemd manager):",
    `  systemctl --user daemon-reload && systemctl --user enable --now ${definition.unitName}`,
    ...(replaced ? [`  systemctl --user restart ${definition.unitName}   # it was installed before`] : []),
    "Keep it running when you are logged out, and start it at boot:",
    "  loginctl enable-linger $USER",
    `Check it:    systemctl --user status ${definition.unitName}`,
    `Logs:        journalctl --user -u ${definition.unitName} -f`,
  ];
}

function write(io: CliIo, lines: string[]): void {
  io.stdout.write(`${lines.join("\n")}\n`);
}

export async function serviceInstall(io: CliIo, options: ServiceCommandOptions): Promise<void> {
  const { definition, content, notes } = await prepare(io, options, true);
  const previous = await readFile(definition.filePath, "utf8").catch(() => undefined);
  if (options.dryRun) {
    write(io, [`Would write ${definition.filePath}:`, "", content.trimEnd(), "", ...notes]);
    return;
  }
  if (previous === content) {
    write(io, [`${definition.filePath} is already up to date.`, ...notes, ...loadInstructions(definition, false)]);
    return;
  }
  // launchd does not create the directories of StandardOutPath, and both managers chdir into the state dir.
  await mkdir(join(definition.stateDir, "logs"), { recursive: true, mode: 0o700 });
  await writeFileAtomically(definition.filePath, content, { mode: 0o644, directoryMode: 0o700 });
  write(io, [
    `${previous === undefined ? "Wrote" : "Replaced"} ${definition.filePath}:`,
    "",
    content.trimEnd(),
    "",
    ...notes,
    ...loadInstructions(definition, previous !== undefined),
  ]);
}

/** The `default.target.wants` link `systemctl enable` made; removed with the unit so no dangling link is left. */
async function removeWantsLink(definition: ServiceDefinition): Promise<boolean> {
  const link = join(definition.filePath, "..", "default.target.wants", definition.unitName);
  const stats = await lstat(link).catch(() => undefined);
  if (!stats?.isSymbolicLink()) return false;
  const target = await readlink(link);
  if (resolve(join(link, ".."), target) !== definition.filePath) return false;
  await rm(link);
  return true;
}

export async function serviceUninstall(io: CliIo, options: ServiceCommandOptions): Promise<void> {
  const { definition } = await prepare(io, options, false);
  const exists = existsSync(definition.filePath);
  const unload =
    definition.platform === "darwin"
      ? [`Unload it if it is loaded:  launchctl bootout gui/$(id -u)/${definition.label}`]
      : [`Stop it if it runs:  systemctl --user stop ${definition.unitName} && systemctl --user daemon-reload`];
  if (options.dryRun) {
    write(io, [
      exists ? `Would remove ${definition.filePath}.` : `${definition.filePath} does not exist; nothing to remove.`,
      ...unload,
    ]);
    return;
  }
  if (!exists) {
    write(io, [`${definition.filePath} does not exist; nothing to remove.`, ...unload]);
    return;
  }
  await rm(definition.filePath);
  const unlinked = definition.platform === "linux" && (await removeWantsLink(definition));
  write(io, [`Removed ${definition.filePath}${unlinked ? " and its default.target.wants link" : ""}.`, ...unload]);
}

function firstDifference(actual: string, expected: string): string {
  const actualLines = actual.split("\n");
  const expectedLines = expected.split("\n");
  const index = expectedLines.findIndex((line, position) => actualLines[position] !== line);
  const line = index === -1 ? actualLines.length : index;
  return `line ${line + 1}: found ${JSON.stringify(actualLines[line] ?? "(end of file)")}, install writes ${JSON.stringify(expectedLines[line] ?? "(end of file)")}`;
}

/** Exit 0 when the file exists and is what install would write now; 1 when it is missing or differs. */
export async function serviceStatus(io: CliIo, options: ServiceCommandOptions): Promise<void> {
  const { definition, content } = await prepare(io, options, false);
  const check =
    definition.platform === "darwin"
      ? `Is it loaded?  launchctl print gui/$(id -u)/${definition.label}`
      : `Is it running?  systemctl --user status ${definition.unitName}`;
  const actual = await readFile(definition.filePath, "utf8").catch(() => undefined);
  const flags = `${options.account ? ` --account ${options.account}` : ""}${options.platform ? ` --platform ${options.platform}` : ""}`;
  if (actual === undefined) {
    write(io, [`${definition.filePath}: not installed.`]);
    throw new CliError(`service not installed; run: imessage-channel service install${flags}`, 1);
  }
  if (actual !== content) {
    write(io, [
      `${definition.filePath}: installed, but differs from what install would write now (${firstDifference(actual, content)}).`,
      check,
    ]);
    throw new CliError(`service file is out of date; run: imessage-channel service install${flags}`, 1);
  }
  write(io, [`${definition.filePath}: installed and up to date.`, check]);
}
