import { join } from "node:path";
import {
  ConfigError,
  getConfigValue,
  loadConfig,
  parseCliValue,
  setConfigValue,
  unsetConfigValue,
} from "@imessage-channel/config";
import { resolveStateDir } from "@imessage-channel/state";
import { CliError, type CliIo } from "../cli-io.ts";

export interface ConfigCommandOptions {
  config?: string;
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

export async function configGet(io: CliIo, path: string, options: ConfigCommandOptions): Promise<void> {
  const file = await targetFile(io, options);
  try {
    const value = await getConfigValue(file, path);
    if (value === undefined) throw new CliError(`${path} is not set in ${file}`, 1);
    io.stdout.write(`${typeof value === "string" ? value : JSON.stringify(value, null, 2)}\n`);
  } catch (error) {
    throw asCliError(error);
  }
}

export async function configSet(io: CliIo, path: string, value: string, options: ConfigCommandOptions): Promise<void> {
  const file = await targetFile(io, options);
  try {
    await setConfigValue(file, path, parseCliValue(value));
  } catch (error) {
    throw asCliError(error);
  }
  io.stdout.write(`Set ${path} in ${file}. A running gateway picks it up on restart.\n`);
}

export async function configUnset(io: CliIo, path: string, options: ConfigCommandOptions): Promise<void> {
  const file = await targetFile(io, options);
  try {
    await unsetConfigValue(file, path);
  } catch (error) {
    throw asCliError(error);
  }
  io.stdout.write(`Unset ${path} in ${file}.\n`);
}
