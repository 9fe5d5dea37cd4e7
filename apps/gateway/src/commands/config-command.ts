import { join } from "node:path";
import {
  ConfigError,
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

/** `config get <path>`: the value set in the file, else the effective default (and says so), else unset or unknown. */
export async function configGet(io: CliIo, path: string, options: ConfigCommandOptions): Promise<void> {
  try {
    const loaded = await loadConfigOrThrow({ path: options.config, env: io.env, cwd: io.cwd });
    const where = loaded.path ?? "the built-in defaults (no config file)";
    const found = lookupConfigValue(loaded.config, path);
    const show = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));
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
