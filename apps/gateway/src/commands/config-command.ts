import { join } from "node:path";
import {
  ConfigError,
  type ConfigWriteResult,
  type EffectiveConfigValue,
  explainConfigValue,
  loadConfig,
  loadConfigOrThrow,
  lookupConfigValue,
  parseCliValue,
  setConfigValue,
  unsetConfigValue,
} from "@imessage-channel/config";
import { resolveStateDir } from "@imessage-channel/state";
import { CliError, type CliIo } from "../cli-io.ts";

export interface ConfigCommandOptions {
  config?: string;
}

export interface ConfigGetOptions extends ConfigCommandOptions {
  /** The value the gateway uses for an account, and which layer it comes from. */
  effective?: boolean;
  /** The account of `--effective` (implies it). */
  account?: string;
  json?: boolean;
}

export interface ConfigWriteCommandOptions extends ConfigCommandOptions {
  /** Rewrite the whole file when it cannot be edited in place (its comments are lost). */
  force?: boolean;
}

/** The file `config set` writes: the one that would be loaded, else `<stateDir>/config.json5`. */
async function targetFile(io: CliIo, options: ConfigCommandOptions): Promise<string> {
  const loaded = await loadConfig({ path: options.config, env: io.env, cwd: io.cwd });
  return loaded.path ?? join(resolveStateDir(io.env), "config.json5");
}

function asCliError(error: unknown): unknown {
  if (ConfigError.isInstance(error)) return new CliError(error.problems.join("\n"), 2);
  return error;
}

export async function configValidate(io: CliIo, options: ConfigCommandOptions): Promise<void> {
  const loaded = await loadConfig({ path: options.config, env: io.env, cwd: io.cwd });
  for (const warning of loaded.warnings) io.stderr.write(`warning: ${warning}\n`);
  if (loaded.errors.length > 0) throw new CliError(loaded.errors.join("\n"), 2);
  io.stdout.write(
    loaded.path ? `${loaded.path}: valid\n` : "No config file found: the built-in defaults apply (valid).\n",
  );
}

const show = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));

/** `config get <path>`: the value set in the file, else the effective default (and says so), else unset or unknown. */
export async function configGet(io: CliIo, path: string, options: ConfigGetOptions): Promise<void> {
  try {
    const loaded = await loadConfigOrThrow({ path: options.config, env: io.env, cwd: io.cwd });
    const where = loaded.path ?? "the built-in defaults (no config file)";
    if (options.effective || options.account !== undefined) {
      printEffective(io, path, explainConfigValue(loaded.config, path, options.account), where, options.json);
      return;
    }
    const found = lookupConfigValue(loaded.config, path);
    switch (found.kind) {
      case "set":
        io.stdout.write(`${show(found.value)}\n`);
        return;
      case "default":
        io.stdout.write(`${show(found.value)}\n`);
        io.stderr.write(`${path} is not set in ${where}; this is the default that applies\n`);
        return;
      case "unset":
        throw new CliError(`${path} is not set in ${where} and has no default`, 1);
      case "unknown":
        throw new CliError(`${path} is not a config key: ${found.problem}`, 2);
    }
  } catch (error) {
    throw asCliError(error);
  }
}

/** The `source:` line of `config get --effective`: the key path that decided the value, and as what. */
function sourceLine(found: EffectiveConfigValue, where: string): string {
  const account = `account "${found.accountId}"`;
  switch (found.source) {
    case "account":
      return `source: ${found.keyPath} (the override of ${account})`;
    case "channel":
      return `source: ${found.keyPath} (the channel's setting, inherited by ${account})`;
    case "channel-defaults":
      return `source: ${found.keyPath} (channels.defaults, inherited by ${account})`;
    case "file":
      return `source: ${found.keyPath} in ${where}`;
    case "default":
      return found.accountId === undefined
        ? "source: built-in default"
        : `source: built-in default (nothing in the file sets it for ${account})`;
  }
}

function printEffective(
  io: CliIo,
  path: string,
  found: EffectiveConfigValue,
  where: string,
  json: boolean | undefined,
): void {
  const notSet = found.value === undefined || (found.value === null && found.source === "default");
  if (json) {
    io.stdout.write(`${JSON.stringify({ path, ...found, value: notSet ? null : found.value })}\n`);
    if (notSet) throw new CliError(`${path} is not set and has no default`, 1);
    return;
  }
  const account = found.accountId === undefined ? "" : ` for account "${found.accountId}"`;
  if (notSet) throw new CliError(`${path} is not set${account} and has no default (${sourceLine(found, where)})`, 1);
  io.stdout.write(`${show(found.value)}\n${sourceLine(found, where)}\n`);
  if (found.written !== undefined) {
    io.stdout.write(`written there as ${JSON.stringify(found.written)}; the gateway uses the value above\n`);
  }
}

/** What `config set|unset` did, and where the previous text is kept. */
function reportWrite(io: CliIo, verb: "Set" | "Unset", path: string, result: ConfigWriteResult): void {
  const how = {
    edited: "edited in place: comments and formatting kept",
    created: "a new file",
    rewritten: "rewritten as plain JSON5 (--force): its comments and formatting are gone",
  }[result.how];
  io.stdout.write(`${verb} ${path} in ${result.file} (${how}). A running gateway picks it up on restart.\n`);
  if (result.backupPath) io.stdout.write(`The previous version is kept as ${result.backupPath}.\n`);
}

export async function configSet(
  io: CliIo,
  path: string,
  value: string,
  options: ConfigWriteCommandOptions,
): Promise<void> {
  const file = await targetFile(io, options);
  let result: ConfigWriteResult;
  try {
    result = await setConfigValue(file, path, parseCliValue(value), { force: options.force });
  } catch (error) {
    throw asCliError(error);
  }
  reportWrite(io, "Set", path, result);
}

export async function configUnset(io: CliIo, path: string, options: ConfigWriteCommandOptions): Promise<void> {
  const file = await targetFile(io, options);
  let result: ConfigWriteResult | undefined;
  try {
    result = await unsetConfigValue(file, path, { force: options.force });
  } catch (error) {
    throw asCliError(error);
  }
  if (!result) {
    io.stdout.write(`${path} is not set in ${file}; nothing changed.\n`);
    return;
  }
  reportWrite(io, "Unset", path, result);
}
