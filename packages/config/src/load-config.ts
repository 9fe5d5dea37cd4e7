import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { errorMessage } from "@imessage-channel/kit";
import JSON5 from "json5";
import { ConfigError } from "./config-error.ts";
import { type ConfigResult, validateConfig } from "./validate-config.ts";

export interface LoadConfigOptions {
  /** `--config PATH`: used as given; a missing file is an error. */
  path?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Defaults to `$IMESSAGE_CHANNEL_STATE_DIR`, else `~/.imessage-channel`. */
  stateDir?: string;
}

export interface LoadedConfig extends ConfigResult {
  /** The file that was read; undefined when none exists (the built-in defaults apply). */
  path: string | undefined;
}

/** Parses JSON5 text; a syntax error becomes one line naming the file, line and column. */
export function parseConfigText(text: string, fileName: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON5.parse(text) };
  } catch (error) {
    const { lineNumber, columnNumber, message } = error as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const reason = message.replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    return { error: `${fileName}:${lineNumber ?? 1}:${columnNumber ?? 1}: JSON5 syntax error: ${reason}` };
  }
}

/** The file's text; undefined when it does not exist; an error line when it exists but cannot be read. */
async function readIfPresent(path: string): Promise<string | undefined | { error: string }> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    const fix = code === "EISDIR" ? "point to a file, not a directory" : "check that the file is readable";
    return { error: `${path}: cannot read the config file (${code ?? errorMessage(error)}); ${fix}` };
  }
}

/**
 * The candidates in the documented order (packages/config/README.md, `loadConfig`); `required` ones must exist when
 * named.
 */
function candidates(options: LoadConfigOptions): Array<{ path: string; required: string | undefined }> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  if (options.path) return [{ path: resolve(cwd, options.path), required: "--config" }];
  const fromEnvironment = env.IMESSAGE_CHANNEL_CONFIG?.trim();
  if (fromEnvironment) return [{ path: resolve(cwd, fromEnvironment), required: "$IMESSAGE_CHANNEL_CONFIG" }];
  const stateDir = options.stateDir ?? (env.IMESSAGE_CHANNEL_STATE_DIR?.trim() || join(homedir(), ".imessage-channel"));
  return [
    { path: join(cwd, "imessage-channel.json5"), required: undefined },
    { path: join(stateDir, "config.json5"), required: undefined },
  ];
}

/**
 * Finds the config file (`--config`, `$IMESSAGE_CHANNEL_CONFIG`, `./imessage-channel.json5`,
 * `<stateDir>/config.json5`), parses and validates it. Returns every problem at once, unreadable files
 * included; never throws for a bad or missing file.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  for (const candidate of candidates(options)) {
    const text = await readIfPresent(candidate.path);
    if (text === undefined) {
      if (candidate.required) {
        return {
          path: candidate.path,
          config: undefined,
          warnings: [],
          errors: [`${candidate.required}: config file ${candidate.path} does not exist; create it or fix the path`],
        };
      }
      continue;
    }
    if (typeof text !== "string")
      return { path: candidate.path, config: undefined, warnings: [], errors: [text.error] };
    const parsed = parseConfigText(text, candidate.path);
    if ("error" in parsed) return { path: candidate.path, config: undefined, warnings: [], errors: [parsed.error] };
    return { path: candidate.path, ...validateConfig(parsed.value) };
  }
  return { path: undefined, ...validateConfig({}) };
}

/** `loadConfig`, throwing a `ConfigError` (`CONFIG_INVALID`) with every problem when there is any. */
export async function loadConfigOrThrow(
  options: LoadConfigOptions = {},
): Promise<LoadedConfig & { config: NonNullable<LoadedConfig["config"]> }> {
  const loaded = await loadConfig(options);
  if (!loaded.config || loaded.errors.length > 0) throw new ConfigError("CONFIG_INVALID", loaded.errors);
  return loaded as LoadedConfig & { config: NonNullable<LoadedConfig["config"]> };
}
