import { readFile } from "node:fs/promises";
import { isDeepStrictEqual } from "node:util";
import { writeFileAtomically } from "@imessage-channel/kit";
import JSON5 from "json5";
import { ConfigError } from "./config-error.ts";
import { type ConfigChange, editJson5Text } from "./json5-edit.ts";
import { formatKeyPath, type PathSegment, valueAtPath } from "./key-path.ts";
import { parseConfigText } from "./load-config.ts";
import { validateConfig } from "./validate-config.ts";

/** `channels.imessage.groups.8421.requireMention` or `agents.list[0].id` → segments. */
export function parseDottedPath(dottedPath: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const part of dottedPath.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match || (!match[1] && !match[2])) {
      throw new ConfigError("CONFIG_PATH_INVALID", [
        `${JSON.stringify(dottedPath)} is not a key path; use dots and [n], e.g. channels.imessage.dmPolicy or agents.list[0].id`,
      ]);
    }
    if (match[1]) segments.push(match[1]);
    for (const index of match[2]?.matchAll(/\[(\d+)\]/g) ?? []) segments.push(Number(index[1]));
  }
  return segments;
}

/** A CLI argument as a value: JSON5 when it parses (`true`, `16`, `["*"]`), else the plain string. */
export function parseCliValue(text: string): unknown {
  try {
    return JSON5.parse(text);
  } catch {
    return text;
  }
}

async function readDocument(filePath: string): Promise<{ text: string; value: Record<string, unknown> }> {
  let text: string;
  try {
    text = await readFile(filePath, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { text: "", value: {} };
    throw error;
  }
  const parsed = parseConfigText(text, filePath);
  if ("error" in parsed) throw new ConfigError("CONFIG_INVALID", [parsed.error]);
  if (parsed.value === null || typeof parsed.value !== "object" || Array.isArray(parsed.value)) {
    throw new ConfigError("CONFIG_INVALID", [`${filePath}: the config file must hold one object`]);
  }
  return { text, value: parsed.value as Record<string, unknown> };
}

/** A segment as an array index (`3`, or `"3"` from `list.3`), else undefined. */
function arrayIndex(segment: PathSegment): number | undefined {
  return /^(?:0|[1-9]\d*)$/.test(String(segment)) ? Number(segment) : undefined;
}

/** Writing past the end of an array would leave holes that load as nulls: only `[length]` appends. */
function refuseGap(parent: unknown, path: readonly PathSegment[], index: number): void {
  const position = arrayIndex(path[index]!);
  if (!Array.isArray(parent) || position === undefined || position <= parent.length) return;
  throw new ConfigError("CONFIG_PATH_INVALID", [
    `${formatKeyPath(path.slice(0, index))} has ${parent.length} element${parent.length === 1 ? "" : "s"}, so ${formatKeyPath(path)} cannot be set; use [${parent.length}] to append`,
  ]);
}

/** The object or array that holds the last segment of `path`; `create` makes the missing ones on the way. */
export function container(path: readonly PathSegment[], root: Record<string, unknown>, create: boolean): unknown {
  let current: unknown = root;
  for (const [index, segment] of path.slice(0, -1).entries()) {
    const record = current as Record<PathSegment, unknown>;
    if (record[segment] === undefined && create) {
      refuseGap(record, path, index);
      record[segment] = typeof path[index + 1] === "number" ? [] : {};
    }
    current = record[segment];
    if (current === null || typeof current !== "object") {
      if (!create && current === undefined) return undefined;
      throw new ConfigError("CONFIG_PATH_INVALID", [
        `${formatKeyPath(path.slice(0, index + 1))}: ${JSON.stringify(current)} is not an object, so ${formatKeyPath(path)} cannot be set`,
      ]);
    }
  }
  return current;
}

/** The named accounts of a raw config document (`channels.imessage.accounts`), or undefined when it names none. */
function namedAccounts(value: Record<string, unknown>): string[] | undefined {
  const channels = value.channels as { imessage?: { accounts?: unknown } } | undefined;
  const accounts = channels?.imessage?.accounts;
  if (accounts === null || typeof accounts !== "object") return undefined;
  const ids = Object.keys(accounts);
  return ids.length > 0 ? ids : undefined;
}

/**
 * A config without `accounts` runs one implicit account, "default". A write that names the first account would make
 * that one vanish (its pairings, cursors and status are kept under its id), so it must name "default" too.
 */
function refuseDroppingImplicitAccount(before: Record<string, unknown>, after: Record<string, unknown>): void {
  const accountsAfter = namedAccounts(after);
  if (namedAccounts(before) !== undefined || accountsAfter === undefined || accountsAfter.includes("default")) return;
  const added = accountsAfter.map((id) => `channels.imessage.accounts.${id}`).join(", ");
  throw new ConfigError("CONFIG_INVALID", [
    `${added}: naming the first account would drop the implicit "default" account the gateway runs now (with its pairings and cursors); set channels.imessage.accounts.default to {} first to keep it`,
  ]);
}

export interface ConfigWriteOptions {
  /**
   * When the change cannot be made in place (a file this editor cannot follow), rewrite the whole file as formatted
   * JSON5 instead of refusing; its comments are lost, the previous text is kept as `<file>.bak`.
   */
  force?: boolean;
}

/** What a write did to the file. */
export interface ConfigWriteResult {
  file: string;
  /** `edited`: only the changed member's text; `rewritten`: the whole file, comments lost (`force`); `created`. */
  how: "edited" | "rewritten" | "created";
  /** The previous text, kept beside the file (one level: each write replaces it); undefined for a new file. */
  backupPath: string | undefined;
}

/** The edited text when it reads back as exactly `intended`; else why the change cannot be made in place. */
function editInPlace(
  text: string,
  path: readonly PathSegment[],
  change: ConfigChange,
  intended: Record<string, unknown>,
): { text: string } | { problem: string } {
  const edited = editJson5Text(text, path, change);
  if ("problem" in edited) return edited;
  // The editor's own check: a text that would load as anything else is never written.
  const parsed = parseConfigText(edited.text, "edited");
  if ("error" in parsed || !isDeepStrictEqual(parsed.value, intended)) {
    return { problem: "the edited text would not read back as the intended config" };
  }
  return edited;
}

async function writeValidated(
  filePath: string,
  document: { text: string; value: Record<string, unknown> },
  path: readonly PathSegment[],
  change: ConfigChange,
  before: Record<string, unknown>,
  options: ConfigWriteOptions,
): Promise<ConfigWriteResult> {
  const value = document.value;
  refuseDroppingImplicitAccount(before, value);
  const result = validateConfig(value);
  if (result.errors.length > 0) throw new ConfigError("CONFIG_INVALID", result.errors);
  const formatted = `${JSON5.stringify(value, null, 2)}\n`;
  if (!document.text) {
    await writeFileAtomically(filePath, formatted);
    return { file: filePath, how: "created", backupPath: undefined };
  }
  const backupPath = `${filePath}.bak`;
  const edited = editInPlace(document.text, path, change, value);
  if ("problem" in edited && !options.force) {
    throw new ConfigError("CONFIG_EDIT_UNSAFE", [
      `${filePath}: cannot change ${formatKeyPath(path)} in place (${edited.problem}); nothing was written. Edit the file by hand, or rerun with --force to rewrite the whole file as JSON5 without its comments (the current text is then kept as ${backupPath})`,
    ]);
  }
  await writeFileAtomically(backupPath, document.text);
  if ("problem" in edited) {
    await writeFileAtomically(filePath, formatted);
    return { file: filePath, how: "rewritten", backupPath };
  }
  await writeFileAtomically(filePath, edited.text);
  return { file: filePath, how: "edited", backupPath };
}

/** The value at `dottedPath` in the file, or undefined when it is not set. */
export async function getConfigValue(filePath: string, dottedPath: string): Promise<unknown> {
  const { value } = await readDocument(filePath);
  return valueAtPath(value, parseDottedPath(dottedPath));
}

/**
 * Sets `dottedPath` to `value`. The whole result is validated first; then only that member's text changes (comments
 * and formatting elsewhere are kept), written atomically, with the previous text kept as `<file>.bak`.
 */
export async function setConfigValue(
  filePath: string,
  dottedPath: string,
  value: unknown,
  options: ConfigWriteOptions = {},
): Promise<ConfigWriteResult> {
  const path = parseDottedPath(dottedPath);
  const document = await readDocument(filePath);
  const before = structuredClone(document.value);
  const parent = container(path, document.value, true) as Record<PathSegment, unknown>;
  refuseGap(parent, path, path.length - 1);
  parent[path.at(-1)!] = value;
  return writeValidated(filePath, document, path, { kind: "set", value }, before, options);
}

/**
 * Removes `dottedPath` (an array element is spliced out), validated and written like `setConfigValue`. Returns
 * undefined, writing nothing, when it is not set.
 */
export async function unsetConfigValue(
  filePath: string,
  dottedPath: string,
  options: ConfigWriteOptions = {},
): Promise<ConfigWriteResult | undefined> {
  const path = parseDottedPath(dottedPath);
  const document = await readDocument(filePath);
  const before = structuredClone(document.value);
  const parent = container(path, document.value, false);
  const last = path.at(-1)!;
  if (parent === undefined || (parent as Record<PathSegment, unknown>)[last] === undefined) return undefined;
  // `list.0` names an element as `list[0]` does.
  const position = arrayIndex(last);
  if (Array.isArray(parent) && position !== undefined) parent.splice(position, 1);
  else delete (parent as Record<PathSegment, unknown>)[last];
  return writeValidated(filePath, document, path, { kind: "unset" }, before, options);
}
