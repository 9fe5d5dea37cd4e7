import { homedir } from "node:os";
import { expandHome } from "@imessage-channel/kit";
import { ConfigError } from "./config-error.ts";
import { clamps, defaults } from "./defaults.ts";
import {
  type AccountKeys,
  type ActionName,
  actionNames,
  type ChunkMode,
  type Config,
  type DmPolicy,
  type GroupConfig,
  type GroupPolicy,
  type ReactionNotifications,
  type TransportKind,
} from "./schema.ts";

/** One account with every value present: defaults → `channels.defaults` → `channels.imessage` → `accounts.<id>`. */
export interface ResolvedAccount {
  accountId: string;
  name: string;
  enabled: boolean;
  transport: TransportKind;
  /** Gateway-local: a binary on PATH or a wrapper script; `~` expanded. */
  cliPath: string;
  /** The imsg command on the remote Mac (ssh transport). */
  remoteCliPath: string;
  /** Mac-side chat.db path; null lets imsg use its own default. */
  dbPath: string | null;
  remoteHost: string | null;
  ssh: { port: number; identityFile: string | null; knownHostsFile: string; keepaliveSec: number };
  includeAttachments: boolean;
  attachmentRoots: string[];
  remoteAttachmentRoots: string[];
  /** Folders a reply may attach files from, besides the agent's own staging folder; `~` left to the checker. */
  outboundMediaRoots: string[];
  dmPolicy: DmPolicy;
  allowFrom: string[];
  groupPolicy: GroupPolicy;
  /** null when unset anywhere: group sender checks then fall back to `allowFrom`. */
  groupAllowFrom: string[] | null;
  groups: Record<string, GroupConfig>;
  mediaMaxMb: number;
  mediaMaxBytes: number;
  textChunkLimit: number;
  chunkMode: ChunkMode;
  actions: Record<ActionName, boolean>;
  sendReadReceipts: boolean;
  /** Sent when a turn fails; "" means stay silent. */
  errorReply: string;
  configWrites: boolean;
  coalesceSameSenderDms: boolean;
  /** Inbound DM debounce: `messages.inbound.byChannel.imessage`, else 2500 when coalescing, else 0. */
  inboundDebounceMs: number;
  catchup: {
    enabled: boolean;
    maxAgeMinutes: number;
    perRunLimit: number;
    firstRunLookbackMinutes: number;
    maxFailureRetries: number;
  };
  maxInboundAgeMinutes: number;
  phoneRegion: string;
  allowSmsSenders: boolean;
  /** Tapbacks become agent-visible turns: on the agent's own messages (`own`), on any (`all`), or never (`off`). */
  reactionNotifications: ReactionNotifications;
  /** Groups: messages skipped by mention gating kept per chat and handed to the next turn there; 0 = none. */
  historyLimit: number;
  /** DMs: how many recent messages of the chat seed a new session; 0 = none. */
  dmHistoryLimit: number;
  /** Per-sender DM overrides (`dms["<handle>"].historyLimit`), handles as written. */
  dms: Record<string, { historyLimit?: number }>;
  /** Whether (and what) the running gateway tells a sender once the operator approved their pairing code. */
  pairing: { notifyOnApprove: boolean; approvedText: string };
}

export interface ResolveOptions {
  /** Home directory for `~` in gateway-local paths; defaults to the current user's. */
  homeDirectory?: string;
}

const nestedKeys = new Set(["ssh", "actions", "catchup", "pairing"]);

/** Later layers win key by key; `ssh`, `actions`, `catchup` and `pairing` merge field by field; lists and `groups` replace. */
function mergeLayers(layers: readonly (AccountKeys | undefined)[]): AccountKeys {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      merged[key] = nestedKeys.has(key) ? { ...(merged[key] as object | undefined), ...(value as object) } : value;
    }
  }
  return merged as AccountKeys;
}

function clamp(
  value: number,
  range: { minimum: number; maximum: number },
  keyPath: string,
  warnings: string[],
): number {
  const clamped = Math.min(range.maximum, Math.max(range.minimum, value));
  if (clamped !== value) {
    warnings.push(`${keyPath}: ${value} is outside ${range.minimum}..${range.maximum}; using ${clamped}`);
  }
  return clamped;
}

/** The ids declared under `channels.imessage.accounts`, or `["default"]` when there is no accounts block. */
export function declaredAccountIds(config: Config): string[] {
  const accounts = config.channels?.imessage?.accounts;
  const ids = accounts ? Object.keys(accounts) : [];
  return ids.length > 0 ? ids : [defaults.defaultAccountId];
}

/** Where a merged key was last set, for problems that name the key path the operator has to edit. */
export function accountKeyPath(config: Config, accountId: string, key: keyof AccountKeys): string {
  const account = config.channels?.imessage?.accounts?.[accountId];
  if (account?.[key] !== undefined) return `channels.imessage.accounts.${accountId}.${key}`;
  if (config.channels?.imessage?.[key] !== undefined) return `channels.imessage.${key}`;
  if (config.channels?.defaults?.[key] !== undefined) return `channels.defaults.${key}`;
  return `channels.imessage.${key}`;
}

/** Resolves an account and reports clamps and fallbacks as warnings. */
export function resolveAccountWithWarnings(
  config: Config,
  accountId: string,
  options: ResolveOptions = {},
): { account: ResolvedAccount; warnings: string[] } {
  const declared = declaredAccountIds(config);
  if (!declared.includes(accountId)) {
    throw new ConfigError("ACCOUNT_UNKNOWN", [
      `account "${accountId}" is not configured; known accounts: ${declared.join(", ")}`,
    ]);
  }
  const warnings: string[] = [];
  const homeDirectory = options.homeDirectory ?? homedir();
  const channel = config.channels?.imessage;
  const { accounts: _accounts, ...channelKeys } = channel ?? {};
  const merged = mergeLayers([config.channels?.defaults, channelKeys, channel?.accounts?.[accountId]]);

  let groupPolicy: GroupPolicy = merged.groupPolicy ?? defaults.groupPolicy;
  if (!channel) {
    if (groupPolicy !== "allowlist") {
      warnings.push(
        `channels.imessage is missing: groupPolicy is "allowlist" although channels.defaults.groupPolicy is ${JSON.stringify(groupPolicy)}; add a channels.imessage block to choose`,
      );
    } else {
      warnings.push('channels.imessage is missing: using defaults, groupPolicy "allowlist"');
    }
    groupPolicy = "allowlist";
  }

  const coalesceSameSenderDms = merged.coalesceSameSenderDms ?? defaults.coalesceSameSenderDms;
  const explicitWindow = config.messages?.inbound?.byChannel?.imessage;
  const inboundDebounceMs =
    explicitWindow ?? (coalesceSameSenderDms ? defaults.coalesceDebounceMs : defaults.inboundDebounceMs);

  const catchup = merged.catchup ?? {};
  const mediaMaxMb = merged.mediaMaxMb ?? defaults.mediaMaxMb;
  const actions = Object.fromEntries(
    actionNames.map((name) => [name, merged.actions?.[name] ?? defaults.action]),
  ) as Record<ActionName, boolean>;

  const account: ResolvedAccount = {
    accountId,
    name: merged.name ?? accountId,
    // A disabled channel disables every account; an account can only switch itself off.
    enabled:
      (channel?.enabled ?? config.channels?.defaults?.enabled ?? true) &&
      (channel?.accounts?.[accountId]?.enabled ?? true),
    transport: merged.transport ?? defaults.transport,
    cliPath: expandHome(merged.cliPath ?? defaults.cliPath, homeDirectory),
    remoteCliPath: merged.remoteCliPath ?? defaults.remoteCliPath,
    dbPath: merged.dbPath ?? null,
    remoteHost: merged.remoteHost ?? null,
    ssh: {
      port: merged.ssh?.port ?? defaults.sshPort,
      identityFile: merged.ssh?.identityFile ? expandHome(merged.ssh.identityFile, homeDirectory) : null,
      knownHostsFile: expandHome(merged.ssh?.knownHostsFile ?? defaults.knownHostsFile, homeDirectory),
      keepaliveSec: merged.ssh?.keepaliveSec ?? defaults.keepaliveSec,
    },
    includeAttachments: merged.includeAttachments ?? defaults.includeAttachments,
    attachmentRoots: [...(merged.attachmentRoots ?? defaults.attachmentRoots)],
    remoteAttachmentRoots: [...(merged.remoteAttachmentRoots ?? defaults.attachmentRoots)],
    outboundMediaRoots: [...(merged.outboundMediaRoots ?? defaults.outboundMediaRoots)],
    dmPolicy: merged.dmPolicy ?? defaults.dmPolicy,
    allowFrom: [...(merged.allowFrom ?? [])],
    groupPolicy,
    groupAllowFrom: merged.groupAllowFrom ? [...merged.groupAllowFrom] : null,
    groups: { ...(merged.groups ?? {}) },
    mediaMaxMb,
    mediaMaxBytes: Math.floor(mediaMaxMb * 1024 * 1024),
    textChunkLimit: merged.textChunkLimit ?? defaults.textChunkLimit,
    chunkMode: merged.chunkMode ?? defaults.chunkMode,
    actions,
    sendReadReceipts: merged.sendReadReceipts ?? defaults.sendReadReceipts,
    errorReply: merged.errorReply ?? defaults.errorReply,
    configWrites: merged.configWrites ?? defaults.configWrites,
    coalesceSameSenderDms,
    inboundDebounceMs,
    catchup: {
      enabled: catchup.enabled ?? defaults.catchup.enabled,
      maxAgeMinutes: clamp(
        catchup.maxAgeMinutes ?? defaults.catchup.maxAgeMinutes,
        clamps.catchupMaxAgeMinutes,
        `${accountKeyPath(config, accountId, "catchup")}.maxAgeMinutes`,
        warnings,
      ),
      perRunLimit: clamp(
        catchup.perRunLimit ?? defaults.catchup.perRunLimit,
        clamps.catchupPerRunLimit,
        `${accountKeyPath(config, accountId, "catchup")}.perRunLimit`,
        warnings,
      ),
      firstRunLookbackMinutes: clamp(
        catchup.firstRunLookbackMinutes ?? defaults.catchup.firstRunLookbackMinutes,
        clamps.catchupFirstRunLookbackMinutes,
        `${accountKeyPath(config, accountId, "catchup")}.firstRunLookbackMinutes`,
        warnings,
      ),
      maxFailureRetries: clamp(
        catchup.maxFailureRetries ?? defaults.catchup.maxFailureRetries,
        clamps.catchupMaxFailureRetries,
        `${accountKeyPath(config, accountId, "catchup")}.maxFailureRetries`,
        warnings,
      ),
    },
    maxInboundAgeMinutes: merged.maxInboundAgeMinutes ?? defaults.maxInboundAgeMinutes,
    phoneRegion: merged.phoneRegion ?? defaults.phoneRegion,
    allowSmsSenders: merged.allowSmsSenders ?? defaults.allowSmsSenders,
    reactionNotifications: merged.reactionNotifications ?? defaults.reactionNotifications,
    historyLimit: merged.historyLimit ?? config.messages?.groupChat?.historyLimit ?? defaults.groupHistoryLimit,
    dmHistoryLimit: merged.dmHistoryLimit ?? defaults.dmHistoryLimit,
    dms: { ...(merged.dms ?? {}) },
    pairing: {
      notifyOnApprove: merged.pairing?.notifyOnApprove ?? defaults.pairing.notifyOnApprove,
      approvedText: merged.pairing?.approvedText ?? defaults.pairing.approvedText,
    },
  };
  return { account, warnings };
}

/** The fully defaulted account `accountId` (see `ResolvedAccount`). Throws `ACCOUNT_UNKNOWN` for an undeclared id. */
export function resolveAccount(config: Config, accountId: string, options: ResolveOptions = {}): ResolvedAccount {
  return resolveAccountWithWarnings(config, accountId, options).account;
}

/** Every enabled account, resolved; `default` when there is no accounts block. None when the channel is disabled. */
export function listAccounts(config: Config, options: ResolveOptions = {}): ResolvedAccount[] {
  return declaredAccountIds(config)
    .map((accountId) => resolveAccount(config, accountId, options))
    .filter((account) => account.enabled);
}
