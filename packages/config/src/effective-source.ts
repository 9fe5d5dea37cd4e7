import { isDeepStrictEqual } from "node:util";
import { ConfigError } from "./config-error.ts";
import { parseDottedPath } from "./config-writes.ts";
import { lookupConfigValue } from "./effective-value.ts";
import { formatKeyPath, type PathSegment, valueAtPath } from "./key-path.ts";
import { declaredAccountIds, resolveAccount } from "./resolve-account.ts";
import type { Config } from "./schema.ts";

/** Which layer decided a value: the account's own block, the channel, `channels.defaults`, the file, or nothing. */
export type EffectiveSourceKind = "account" | "channel" | "channel-defaults" | "file" | "default";

export interface EffectiveConfigValue {
  /** The account it was resolved for; undefined for keys outside the account blocks. */
  accountId: string | undefined;
  /** What the gateway uses; undefined when nothing sets it and it has no default. */
  value: unknown;
  source: EffectiveSourceKind;
  /** The key path that holds it in the file; undefined for a built-in default. */
  keyPath: string | undefined;
  /** What that key path holds when the gateway uses something else (a clamp, `~` expanded, a forced policy). */
  written?: unknown;
}

// Merged field by field across the layers (resolve-account.ts); every other key is replaced as a whole.
const fieldMerged = new Set(["ssh", "actions", "catchup"]);

interface Layer {
  kind: "account" | "channel" | "channel-defaults";
  prefix: PathSegment[];
  block: unknown;
}

/** `channels.imessage.<key>`, `channels.defaults.<key>` or `channels.imessage.accounts.<id>.<key>` → the key part. */
function accountKeyOf(path: readonly PathSegment[]): { accountId?: string; key: PathSegment[] } | undefined {
  const [top, channel, third, fourth] = path;
  if (top !== "channels" || (channel !== "imessage" && channel !== "defaults")) return undefined;
  if (channel === "imessage" && third === "accounts") {
    if (fourth === undefined || path.length < 5) return undefined;
    return { accountId: String(fourth), key: path.slice(4) };
  }
  return path.length > 2 ? { key: path.slice(2) } : undefined;
}

function chooseAccount(config: Config, fromPath: string | undefined, asked: string | undefined, dottedPath: string) {
  if (fromPath !== undefined && asked !== undefined && fromPath !== asked) {
    throw new ConfigError("CONFIG_PATH_INVALID", [
      `${dottedPath} names account "${fromPath}" but --account is "${asked}"; drop one of them`,
    ]);
  }
  const accountId = fromPath ?? asked;
  if (accountId !== undefined) return accountId;
  const declared = declaredAccountIds(config);
  if (declared.length === 1) return declared[0]!;
  throw new ConfigError("CONFIG_PATH_INVALID", [
    `${dottedPath} can differ per account; name one with --account (${declared.join(", ")})`,
  ]);
}

/** The most specific layer that sets `key` as the merge sees it: a field of a merged block, else its top key. */
function decidingLayer(layers: readonly Layer[], key: readonly PathSegment[]): Layer | undefined {
  const decides = fieldMerged.has(String(key[0])) ? key.slice(0, 2) : key.slice(0, 1);
  return layers.find((layer) => valueAtPath(layer.block, decides) !== undefined);
}

function explainAccountKey(config: Config, accountId: string, key: readonly PathSegment[]): EffectiveConfigValue {
  const channel = config.channels?.imessage;
  const layers: Layer[] = [
    { kind: "account", prefix: ["channels", "imessage", "accounts", accountId], block: channel?.accounts?.[accountId] },
    { kind: "channel", prefix: ["channels", "imessage"], block: channel },
    { kind: "channel-defaults", prefix: ["channels", "defaults"], block: config.channels?.defaults },
  ];
  const value = valueAtPath(resolveAccount(config, accountId), key);
  let layer = decidingLayer(layers, key);
  if (key.length === 1 && key[0] === "enabled") {
    // Not a plain merge: a disabled channel disables every account, and an account can only switch itself off.
    layer = layers.find((candidate) => valueAtPath(candidate.block, key) === value);
  }
  if (!layer) {
    const groupHistory = config.messages?.groupChat?.historyLimit;
    if (key.length === 1 && key[0] === "historyLimit" && groupHistory !== undefined) {
      return { accountId, value, source: "file", keyPath: "messages.groupChat.historyLimit" };
    }
    return { accountId, value, source: "default", keyPath: undefined };
  }
  const written = valueAtPath(layer.block, key);
  const explained: EffectiveConfigValue = {
    accountId,
    value,
    source: layer.kind,
    keyPath: formatKeyPath([...layer.prefix, ...key]),
  };
  if (written !== undefined && !isDeepStrictEqual(written, value)) explained.written = written;
  return explained;
}

/**
 * The value the gateway uses at `dottedPath` and where it comes from. Channel keys (`channels.imessage.<key>`,
 * `channels.defaults.<key>`, `channels.imessage.accounts.<id>.<key>`) are resolved for one account, `accountId`
 * or the one in the path (or the only one declared): its override, else the channel's setting, else
 * `channels.defaults`, else the built-in default. Other keys: as written, else their default. Throws `ConfigError`
 * for a key the schema does not know, an unknown account, or a channel key of several accounts without one named.
 */
export function explainConfigValue(config: Config, dottedPath: string, accountId?: string): EffectiveConfigValue {
  const path = parseDottedPath(dottedPath);
  const lookup = lookupConfigValue(config, dottedPath);
  if (lookup.kind === "unknown") {
    throw new ConfigError("CONFIG_PATH_INVALID", [`${dottedPath} is not a config key: ${lookup.problem}`]);
  }
  const accountKey = accountKeyOf(path);
  if (accountKey) {
    return explainAccountKey(
      config,
      chooseAccount(config, accountKey.accountId, accountId, dottedPath),
      accountKey.key,
    );
  }
  if (accountId !== undefined) {
    throw new ConfigError("CONFIG_PATH_INVALID", [
      `--account: ${dottedPath} is the same for every account; --account applies to channels.imessage keys only`,
    ]);
  }
  if (lookup.kind === "set") return { accountId, value: lookup.value, source: "file", keyPath: formatKeyPath(path) };
  return {
    accountId,
    value: lookup.kind === "default" ? lookup.value : undefined,
    source: "default",
    keyPath: undefined,
  };
}
