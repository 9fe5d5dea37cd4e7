import { formatKeyPath, type PathSegment } from "../key-path.ts";
import { configSchema } from "../schema.ts";
import { type ImportNote, isRecord } from "./import-note.ts";

export type ForeignConfigDialect = "openclaw" | "bluebubbles";

/** The keys `channels.imessage` (and each account) accepts: read from the schema so the two never drift. */
const channelShape = configSchema.shape.channels.unwrap().shape.imessage.unwrap().shape;
export const accountKeys: ReadonlySet<string> = new Set(Object.keys(channelShape).filter((key) => key !== "accounts"));
const actionKeys: ReadonlySet<string> = new Set(Object.keys(channelShape.actions.unwrap().shape));

/** Keys OpenClaw's iMessage channel has and we do not, with why. */
const openclawOnly: Record<string, string> = {
  blockStreaming: "replies are sent whole and then chunked (textChunkLimit, chunkMode); there is no block streaming",
  blockStreamingCoalesce: "replies are sent whole and then chunked; there is no block streaming",
  markdown: "replies are always converted from markdown to plain text",
  heartbeat: "channel heartbeats do not exist here; /healthz and the status file report liveness",
  responsePrefix: "no reply prefix setting; put it in the agent's output",
  service: "sends go to the inbound chat_id, so imsg picks iMessage or SMS by itself",
  capabilities: "capabilities are probed from imsg (status --json), not configured",
  mediaLocalRoots: "outbound media paths come from the agent's reply; there is no local root list for sends",
  defaultTo: "there is no default outbound target; replies go back to the chat that wrote",
};

/** Keys of OpenClaw's BlueBubbles channel that have no meaning without the BlueBubbles server. */
const bluebubblesOnly: Record<string, string> = {
  serverUrl:
    'BlueBubbles server URL: imessage-channel runs imsg on the Mac itself (cliPath, or transport "ssh" with remoteHost), there is no server to reach',
  password: "BlueBubbles server password: imsg needs no server credentials (the value is not printed)",
  webhookPath: "inbound messages come from imsg rpc, not from BlueBubbles webhooks",
  webhookUrl: "inbound messages come from imsg rpc, not from BlueBubbles webhooks",
  webhookSecret: "inbound messages come from imsg rpc, not from BlueBubbles webhooks",
  allowPrivateNetwork: "there is no HTTP server to reach, so no network allowance is needed",
  sendTimeoutMs: "sends go through imsg; its request timeout is built in",
  probeTimeoutMs: "imsg is probed through its own status command",
  ...openclawOnly,
};

/** BlueBubbles names chats by GUID (`iMessage;+;chat123`); our allowlists and group keys need the `chat_guid:` form. */
const chatGuid = /^(iMessage|SMS|RCS|any);[-+];/i;

function normalizeEntry(entry: unknown, path: PathSegment[], notes: ImportNote[]): unknown {
  if (typeof entry !== "string") return entry;
  let value = entry;
  if (/^bluebubbles:/i.test(value)) value = value.slice("bluebubbles:".length);
  if (chatGuid.test(value)) value = `chat_guid:${value}`;
  if (value !== entry) {
    notes.push({ path: formatKeyPath(path), carried: true, reason: `rewritten as ${JSON.stringify(value)}` });
  }
  return value;
}

function translateGroups(groups: unknown, path: PathSegment[], notes: ImportNote[]): unknown {
  if (!isRecord(groups)) return groups;
  const result: Record<string, unknown> = {};
  for (const [rawKey, entry] of Object.entries(groups)) {
    const key = chatGuid.test(rawKey) ? `chat_guid:${rawKey}` : rawKey;
    if (key !== rawKey) {
      notes.push({
        path: formatKeyPath([...path, rawKey]),
        carried: true,
        reason: `group key rewritten as ${JSON.stringify(key)}`,
      });
    }
    if (!isRecord(entry)) {
      result[key] = entry;
      continue;
    }
    const carried: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(entry)) {
      if (field === "requireMention" || field === "systemPrompt") carried[field] = value;
      else {
        notes.push({
          path: formatKeyPath([...path, rawKey, field]),
          carried: false,
          reason: "a group entry here holds only requireMention and systemPrompt",
        });
      }
    }
    result[key] = carried;
  }
  return result;
}

function translateActions(actions: unknown, path: PathSegment[], notes: ImportNote[]): unknown {
  if (!isRecord(actions)) return actions;
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(actions)) {
    if (actionKeys.has(name)) result[name] = value;
    else
      notes.push({
        path: formatKeyPath([...path, name]),
        carried: false,
        reason: `not an iMessage action here (${[...actionKeys].join(", ")})`,
      });
  }
  return result;
}

/**
 * Pure: one channel block (`channels.imessage`, `channels.bluebubbles`, `channels.defaults` or one account)
 * into the keys of `channels.imessage`. Values are carried as written; `settleValidation` drops bad ones.
 */
export function translateChannelBlock(
  block: Record<string, unknown>,
  sourcePath: PathSegment[],
  dialect: ForeignConfigDialect,
  notes: ImportNote[],
  options: { accounts: boolean },
): Record<string, unknown> {
  const dropped = dialect === "bluebubbles" ? bluebubblesOnly : openclawOnly;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(block)) {
    const path = [...sourcePath, key];
    if (key === "accounts" && options.accounts && isRecord(value)) {
      const accounts: Record<string, unknown> = {};
      for (const [accountId, account] of Object.entries(value)) {
        if (!isRecord(account)) {
          notes.push({
            path: formatKeyPath([...path, accountId]),
            carried: false,
            reason: "an account must be an object",
          });
          continue;
        }
        accounts[accountId] = translateChannelBlock(account, [...path, accountId], dialect, notes, { accounts: false });
      }
      result.accounts = accounts;
    } else if (key === "groups") {
      result.groups = translateGroups(value, path, notes);
    } else if (key === "allowFrom" || key === "groupAllowFrom") {
      result[key] = Array.isArray(value)
        ? value.map((entry, index) => normalizeEntry(entry, [...path, index], notes))
        : value;
    } else if (key === "actions") {
      result.actions = translateActions(value, path, notes);
    } else if (accountKeys.has(key)) {
      result[key] = value;
    } else {
      notes.push({
        path: formatKeyPath(path),
        carried: false,
        reason: dropped[key] ?? "imessage-channel has no such channel key",
      });
    }
  }
  return result;
}
