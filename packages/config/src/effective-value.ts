import { container, parseDottedPath } from "./config-writes.ts";
import { defaults } from "./defaults.ts";
import { formatKeyPath, type PathSegment, valueAtPath } from "./key-path.ts";
import { declaredAccountIds, resolveAccount } from "./resolve-account.ts";
import { resolveRouting } from "./routing.ts";
import type { Config } from "./schema.ts";
import { validateConfig } from "./validate-config.ts";

/** What a key path holds: set in the file, the default that applies, known but without a default, or unknown. */
export type ConfigValueLookup =
  | { kind: "set"; value: unknown }
  | { kind: "default"; value: unknown }
  | { kind: "unset" }
  | { kind: "unknown"; problem: string };

/**
 * Looks `dottedPath` up in a validated `config`: the value written there, else the value the gateway would use
 * (account keys resolved through `channels.defaults` → `channels.imessage` → `accounts.<id>`, routing keys through
 * their defaults), else "unset"; a path the schema does not know is "unknown" with the schema's own line.
 */
export function lookupConfigValue(config: Config, dottedPath: string): ConfigValueLookup {
  const path = parseDottedPath(dottedPath);
  const written = valueAtPath(config, path);
  if (written !== undefined) return { kind: "set", value: written };
  const problem = unknownKeyProblem(config, path);
  if (problem) return { kind: "unknown", problem };
  const value = effectiveValue(config, path);
  return value === undefined || value === null ? { kind: "unset" } : { kind: "default", value };
}

/** The schema's "unknown key" line for `path` or one of its parents, found by validating a probe value there. */
function unknownKeyProblem(config: Config, path: readonly PathSegment[]): string | undefined {
  const probe = structuredClone(config) as Record<string, unknown>;
  const parent = container(path, probe, true) as Record<PathSegment, unknown>;
  parent[path.at(-1)!] = null;
  const prefixes = path.map((_, index) => formatKeyPath(path.slice(0, index + 1)));
  return validateConfig(probe).errors.find((line) =>
    prefixes.some((prefix) => line.startsWith(`${prefix}: unknown key`)),
  );
}

function effectiveValue(config: Config, path: readonly PathSegment[]): unknown {
  const [top, second, third, fourth, ...rest] = path;
  if (top === "channels" && (second === "imessage" || second === "defaults")) {
    if (second === "imessage" && third === "accounts") {
      const accountId = String(fourth);
      if (!declaredAccountIds(config).includes(accountId)) return undefined;
      return valueAtPath(resolveAccount(config, accountId), rest);
    }
    // A channel-level key: what every account inherits, before any `accounts.<id>` override.
    const layers = structuredClone(config);
    layers.channels ??= {};
    const channels = layers.channels;
    channels.imessage = second === "defaults" ? {} : { ...channels.imessage, accounts: undefined };
    return valueAtPath(resolveAccount(layers, defaults.defaultAccountId), path.slice(2));
  }
  const routing = () => resolveRouting(config);
  switch (formatKeyPath(path)) {
    case "session.dmScope":
      return routing().dmScope;
    case "commands.config":
      return routing().commandsConfig;
    case "commands.ownerAllowFrom":
      return routing().ownerAllowFrom;
    case "messages.groupChat.mentionPatterns":
      return routing().mentionPatterns;
    case "messages.inbound.byChannel.imessage":
      return resolveAccount(config, declaredAccountIds(config)[0] ?? defaults.defaultAccountId).inboundDebounceMs;
    case "logging.level":
      return defaults.logLevel;
    case "logging.redactHandles":
      return defaults.redactHandles;
    case "logging.file":
      return defaults.logFile;
    case "logging.maxFileMb":
      return defaults.logMaxFileMb;
    case "logging.maxFiles":
      return defaults.logMaxFiles;
    case "agents.retry.maxMinutes":
      return defaults.agentRetry.maxMinutes;
    case "agents.retry.initialDelayMs":
      return defaults.agentRetry.initialDelayMs;
    case "agents.retry.maxDelayMs":
      return defaults.agentRetry.maxDelayMs;
    case "shutdown.timeoutSeconds":
      return defaults.shutdownTimeoutSeconds;
    default:
      return undefined;
  }
}
