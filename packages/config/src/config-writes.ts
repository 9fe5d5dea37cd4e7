import { readFile } from "node:fs/promises";
import { writeFileAtomically } from "@imessage-channel/kit";
import JSON5 from "json5";
import { ConfigError } from "./config-error.ts";
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

/** The object or array that holds the last segment of `path`; `create` makes the missing ones on the way. */
export function container(path: readonly PathSegment[], root: Record<string, unknown>, create: boolean): unknown {
  let current: unknown = root;
  for (const [index, segment] of path.slice(0, -1).entries()) {
    const record = current as Record<PathSegment, unknown>;
    if (record[segment] === undefined && create) record[segment] = typeof path[index + 1] === "number" ? [] : {};
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

async function writeValidated(
  filePath: string,
  previousText: string,
  value: Record<string, unknown>,
  before: Record<string, unknown>,
): Promise<void> {
  refuseDroppingImplicitAccount(before, value);
  const result = validateConfig(value);
  if (result.errors.length > 0) throw new ConfigError("CONFIG_INVALID", result.errors);
  // json5 cannot round-trip comments: the previous text is kept beside the file so none is lost for good.
  if (previousText) await writeFileAtomically(`${filePath}.bak`, previousText);
  await writeFileAtomically(filePath, `${JSON5.stringify(value, null, 2)}\n`);
}

/** The value at `dottedPath` in the file, or undefined when it is not set. */
export async function getConfigValue(filePath: string, dottedPath: string): Promise<unknown> {
  const { value } = await readDocument(filePath);
  return valueAtPath(value, parseDottedPath(dottedPath));
}

/** Sets `dottedPath` to `value`; the whole result is validated first and written atomically. */
export async function setConfigValue(filePath: string, dottedPath: string, value: unknown): Promise<void> {
  const path = parseDottedPath(dottedPath);
  const document = await readDocument(filePath);
  const before = structuredClone(document.value);
  const parent = container(path, document.value, true) as Record<PathSegment, unknown>;
  parent[path.at(-1)!] = value;
  await writeValidated(filePath, document.text, document.value, before);
}

/** Removes `dottedPath` (an array element is spliced out); validated and written atomically. No-op when unset. */
export async function unsetConfigValue(filePath: string, dottedPath: string): Promise<void> {
  const path = parseDottedPath(dottedPath);
  const document = await readDocument(filePath);
  const before = structuredClone(document.value);
  const parent = container(path, document.value, false);
  const last = path.at(-1)!;
  if (parent === undefined || (parent as Record<PathSegment, unknown>)[last] === undefined) return;
  if (Array.isArray(parent) && typeof last === "number") parent.splice(last, 1);
  else delete (parent as Record<PathSegment, unknown>)[last];
  await writeValidated(filePath, document.text, document.value, before);
}
