import { formatKeyPath, type PathSegment } from "../key-path.ts";
import { accountKeys, type ForeignConfigDialect, translateChannelBlock } from "./channel-block.ts";
import { type ImportNote, isRecord } from "./import-note.ts";

export interface TranslatedConfig {
  config: Record<string, unknown>;
  notes: ImportNote[];
}

const runtimeTypes = new Set(["echo", "exec", "webhook", "openai", "acp"]);

const topLevelReasons: Record<string, string> = {
  $schema: "it points at OpenClaw's schema; imessage-channel's editors use its own",
  gateway: "imessage-channel has no WebSocket/HTTP control plane to configure",
  models: "models belong to the agent runtime (agents.list[].runtime)",
  auth: "provider credentials belong to the agent runtime (e.g. runtime.apiKeyEnv for openai)",
  tools: "tools belong to the agent, not to the channel",
  skills: "skills belong to the agent, not to the channel",
  plugins: "imessage-channel has no plugins",
  hooks: "no hooks; use an exec or webhook agent runtime",
  cron: "no scheduler; run jobs outside and send with imessage-channel send",
  env: "set environment variables in the service definition (imessage-channel service install) or your shell",
};

function carryAgent(agent: unknown, path: PathSegment[], notes: ImportNote[]): unknown {
  if (!isRecord(agent)) return agent;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(agent)) {
    if (key === "id" || key === "default" || key === "name") result[key] = value;
    else if (key === "groupChat" && isRecord(value)) {
      const groupChat: Record<string, unknown> = {};
      for (const [field, fieldValue] of Object.entries(value)) {
        if (field === "mentionPatterns") groupChat[field] = fieldValue;
        else
          notes.push({
            path: formatKeyPath([...path, key, field]),
            carried: false,
            reason: "only mentionPatterns is read here",
          });
      }
      result.groupChat = groupChat;
    } else if (key === "runtime" && isRecord(value) && runtimeTypes.has(String(value.type))) {
      result.runtime = value;
    } else if (key !== "runtime") {
      notes.push({
        path: formatKeyPath([...path, key]),
        carried: false,
        reason:
          "agent settings other than id, default, name, groupChat.mentionPatterns and runtime belong to OpenClaw's own agent",
      });
    }
  }
  if (!result.runtime) {
    result.runtime = { type: "echo" };
    notes.push({
      path: formatKeyPath([...path, "runtime"]),
      carried: false,
      reason: `OpenClaw's built-in agent (${isRecord(agent.runtime) ? `runtime type ${JSON.stringify(agent.runtime.type)}` : "no runtime"}) has no equivalent; set to { type: "echo" } so routing keeps working: point it at an exec, webhook, openai or acp runtime`,
    });
  }
  return result;
}

function carryBinding(
  binding: unknown,
  path: PathSegment[],
  dialect: ForeignConfigDialect,
  notes: ImportNote[],
): unknown {
  if (!isRecord(binding)) return binding;
  const match = isRecord(binding.match) ? binding.match : undefined;
  const channel = match?.channel;
  if (channel !== "imessage" && !(dialect === "bluebubbles" && channel === "bluebubbles")) {
    notes.push({
      path: formatKeyPath(path),
      carried: false,
      reason: `it routes channel ${JSON.stringify(channel)}; imessage-channel routes iMessage only`,
    });
    return undefined;
  }
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(binding)) {
    if (key === "match" && isRecord(value)) {
      const carried: Record<string, unknown> = {};
      for (const [field, fieldValue] of Object.entries(value)) {
        if (field === "channel") carried.channel = "imessage";
        else if (field === "accountId" || field === "peer") carried[field] = fieldValue;
        else
          notes.push({
            path: formatKeyPath([...path, key, field]),
            carried: false,
            reason: "iMessage bindings match on channel, accountId and peer only",
          });
      }
      if (channel === "bluebubbles") {
        notes.push({
          path: formatKeyPath([...path, "match", "channel"]),
          carried: true,
          reason: 'rewritten from "bluebubbles" to "imessage"',
        });
      }
      result.match = carried;
    } else if (key === "type" || key === "agentId" || key === "acp") result[key] = value;
    else
      notes.push({
        path: formatKeyPath([...path, key]),
        carried: false,
        reason: "bindings hold type, agentId, match and acp only",
      });
  }
  return result;
}

function carryMessages(
  messages: Record<string, unknown>,
  dialect: ForeignConfigDialect,
  notes: ImportNote[],
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(messages)) {
    if (key === "groupChat" && isRecord(value)) {
      const groupChat: Record<string, unknown> = {};
      for (const [field, fieldValue] of Object.entries(value)) {
        if (field === "mentionPatterns" || field === "historyLimit") groupChat[field] = fieldValue;
        else
          notes.push({
            path: formatKeyPath(["messages", key, field]),
            carried: false,
            reason: "only mentionPatterns and historyLimit are read here",
          });
      }
      result.groupChat = groupChat;
    } else if (key === "inbound" && isRecord(value)) {
      const byChannel = isRecord(value.byChannel) ? value.byChannel : {};
      let window: unknown = byChannel.imessage;
      for (const [channel, channelValue] of Object.entries(byChannel)) {
        if (channel === "imessage") continue;
        if (dialect === "bluebubbles" && channel === "bluebubbles" && window === undefined) {
          window = channelValue;
          notes.push({
            path: "messages.inbound.byChannel.bluebubbles",
            carried: true,
            reason: "carried as messages.inbound.byChannel.imessage",
          });
        } else {
          notes.push({
            path: formatKeyPath(["messages", "inbound", "byChannel", channel]),
            carried: false,
            reason: "not the iMessage channel",
          });
        }
      }
      if (window === undefined && typeof value.debounceMs === "number" && value.debounceMs > 0) {
        window = value.debounceMs;
        notes.push({
          path: "messages.inbound.debounceMs",
          carried: true,
          reason: "the global window is carried as messages.inbound.byChannel.imessage",
        });
      } else if (value.debounceMs !== undefined) {
        notes.push({
          path: "messages.inbound.debounceMs",
          carried: false,
          reason: "the iMessage window is messages.inbound.byChannel.imessage (set, or 0)",
        });
      }
      for (const field of Object.keys(value)) {
        if (field !== "byChannel" && field !== "debounceMs") {
          notes.push({
            path: formatKeyPath(["messages", "inbound", field]),
            carried: false,
            reason: "only byChannel.imessage is read here",
          });
        }
      }
      if (window !== undefined) result.inbound = { byChannel: { imessage: window } };
    } else {
      notes.push({
        path: formatKeyPath(["messages", key]),
        carried: false,
        reason: "only messages.groupChat.mentionPatterns and messages.inbound.byChannel.imessage are read here",
      });
    }
  }
  return result;
}

function carrySession(session: Record<string, unknown>, notes: ImportNote[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(session)) {
    if (key !== "dmScope") {
      notes.push({
        path: formatKeyPath(["session", key]),
        carried: false,
        reason: "only session.dmScope is read here",
      });
    } else if (value === "per-channel-peer" || value === "per-account-channel-peer" || value === "per-peer") {
      result.dmScope = "per-sender";
      notes.push({
        path: "session.dmScope",
        carried: true,
        reason: `${JSON.stringify(value)} carried as "per-sender" (one channel here, so each sender still gets their own session${value === "per-account-channel-peer" ? "; accounts are not part of the key" : ""})`,
      });
    } else result.dmScope = value;
  }
  return result;
}

function carryPicked(
  section: string,
  value: Record<string, unknown>,
  keys: string[],
  reason: string,
  notes: ImportNote[],
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, fieldValue] of Object.entries(value)) {
    if (keys.includes(key)) result[key] = fieldValue;
    else notes.push({ path: formatKeyPath([section, key]), carried: false, reason });
  }
  return result;
}

/** The BlueBubbles block of a file: `channels.bluebubbles`, or the whole file when it is the bare block. */
export function findBlueBubblesBlock(source: Record<string, unknown>): Record<string, unknown> | undefined {
  const channels = isRecord(source.channels) ? source.channels : undefined;
  if (channels && isRecord(channels.bluebubbles)) return channels.bluebubbles;
  if (!channels && ("serverUrl" in source || "password" in source)) return source;
  return undefined;
}

/**
 * Pure: an OpenClaw config (with `--from bluebubbles`, its `channels.bluebubbles` block) into an
 * imessage-channel config, with one note per key that was not carried or was changed on the way.
 */
export function translateConfig(source: Record<string, unknown>, dialect: ForeignConfigDialect): TranslatedConfig {
  const notes: ImportNote[] = [];
  const config: Record<string, unknown> = {};
  const bareBlock = dialect === "bluebubbles" && findBlueBubblesBlock(source) === source;
  if (bareBlock) {
    config.channels = {
      imessage: translateChannelBlock(source, ["channels", "bluebubbles"], dialect, notes, { accounts: true }),
    };
    return { config, notes };
  }

  for (const [key, value] of Object.entries(source)) {
    if (key === "channels" && isRecord(value)) {
      const channels: Record<string, unknown> = {};
      for (const [channel, block] of Object.entries(value)) {
        const path = ["channels", channel];
        const wanted = dialect === "bluebubbles" ? "bluebubbles" : "imessage";
        if (channel === wanted && isRecord(block)) {
          channels.imessage = translateChannelBlock(block, path, dialect, notes, { accounts: true });
        } else if (channel === "defaults" && isRecord(block)) {
          const defaults = translateChannelBlock(block, path, "openclaw", notes, { accounts: false });
          if (Object.keys(defaults).length > 0) channels.defaults = defaults;
        } else {
          const hint =
            channel === "bluebubbles"
              ? "this is the BlueBubbles block: import it with --from bluebubbles"
              : channel === "imessage"
                ? "--from bluebubbles imports channels.bluebubbles; import this block with --from openclaw"
                : "not an iMessage channel";
          notes.push({ path: formatKeyPath(path), carried: false, reason: hint });
        }
      }
      if (Object.keys(channels).length > 0) config.channels = channels;
    } else if (key === "agents" && isRecord(value)) {
      const agents: Record<string, unknown> = {};
      for (const [field, fieldValue] of Object.entries(value)) {
        if (field === "list" && Array.isArray(fieldValue)) {
          agents.list = fieldValue.map((agent, index) => carryAgent(agent, ["agents", "list", index], notes));
        } else {
          notes.push({
            path: formatKeyPath(["agents", field]),
            carried: false,
            reason: "only agents.list is read here; per-agent defaults belong to OpenClaw's own agent",
          });
        }
      }
      config.agents = agents;
    } else if (key === "bindings" && Array.isArray(value)) {
      const bindings = value
        .map((binding, index) => carryBinding(binding, ["bindings", index], dialect, notes))
        .filter((binding) => binding !== undefined);
      if (bindings.length > 0) config.bindings = bindings;
    } else if (key === "messages" && isRecord(value)) {
      const messages = carryMessages(value, dialect, notes);
      if (Object.keys(messages).length > 0) config.messages = messages;
    } else if (key === "session" && isRecord(value)) {
      const session = carrySession(value, notes);
      if (Object.keys(session).length > 0) config.session = session;
    } else if (key === "commands" && isRecord(value)) {
      const commands = carryPicked(
        "commands",
        value,
        ["config"],
        "only commands.config (chat-side /config set|unset) exists here",
        notes,
      );
      if (Object.keys(commands).length > 0) config.commands = commands;
    } else if (key === "logging" && isRecord(value)) {
      const logging = carryPicked(
        "logging",
        value,
        ["level", "redactHandles"],
        "logs go to stdout (the service sends them to the state dir or the journal)",
        notes,
      );
      if (Object.keys(logging).length > 0) config.logging = logging;
    } else {
      notes.push({
        path: formatKeyPath([key]),
        carried: false,
        reason:
          topLevelReasons[key] ??
          (accountKeys.has(key)
            ? "channel keys belong under channels.imessage"
            : "imessage-channel has no such setting"),
      });
    }
  }
  return { config, notes };
}
