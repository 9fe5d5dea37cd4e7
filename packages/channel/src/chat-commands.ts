import type { AgentRuntime } from "@imessage-channel/agents";
import {
  ConfigError,
  chatWritableKeys,
  isChatWritableKey,
  parseCliValue,
  setConfigValue,
  unsetConfigValue,
} from "@imessage-channel/config";
import { normalizeHandle } from "@imessage-channel/policy";
import type { AccountStatusReporter } from "./account-status.ts";
import type { ChatCommandHandler, PendingRow } from "./pipeline-types.ts";

export interface ChatCommandOptions {
  status: AccountStatusReporter;
  /** `commands.config` of the file. */
  commandsConfig: boolean;
  /** `configWrites` of the account. */
  configWrites: boolean;
  /** `commands.ownerAllowFrom` as written: who may use owner-only commands (`/config`); empty = nobody. */
  ownerAllowFrom: readonly string[];
  /** The account's `phoneRegion`: owners are normalized as policy normalizes senders. */
  phoneRegion: string;
  /** The config file `/config set` edits; undefined when the gateway runs on built-in defaults. */
  configPath: string | undefined;
  /**
   * ACP chat commands for this conversation: `/acp …`, and `/new`/`/reset` of a bound conversation.
   * Resolves undefined when the conversation is not bound (then `/new`/`/reset` reset the routed agent).
   */
  acp?: (row: PendingRow, command: "acp" | "new" | "reset") => Promise<string | undefined>;
  /** Whether `agents.list` has an ACP agent: `/help` lists `/acp …` only then. */
  acpAvailable?: boolean;
}

/**
 * Control commands from authorized senders (policy only marks a row as a command for them):
 * `/status`, `/new`, `/reset`, `/config set|unset …`, `/acp …`, `/help`. Strangers' commands never get here.
 * Being let in is not being trusted with the gateway: `/config` is for owners only, and only for safe keys.
 */
export function createChatCommands(options: ChatCommandOptions): ChatCommandHandler {
  const owners = new Set(options.ownerAllowFrom.map((handle) => normalizeHandle(handle, options.phoneRegion)));
  return {
    async handle(row: PendingRow, agent: AgentRuntime) {
      const command = row.decision.command;
      if (!command) return undefined;
      switch (command.name) {
        case "status": {
          const status = options.status.snapshot;
          const imsg = status.imsg?.version ? `imsg ${status.imsg.version}` : "imsg version unknown";
          const bridge = status.imsg?.privateApi?.available ? "private API up" : "private API off";
          return [
            `Account ${status.accountId}: ${status.state}${status.reason ? ` (${status.reason})` : ""}; ${imsg}, ${bridge}.`,
            `Agent ${row.decision.agentId}, session ${row.decision.sessionKey}.`,
            `Received ${status.counters.received}, dispatched ${status.counters.dispatched}, sent ${status.counters.sent}, failed ${status.counters.failed}.`,
          ].join("\n");
        }
        case "new":
        case "reset": {
          const bound = await options.acp?.(row, command.name);
          if (bound !== undefined) return bound;
          if (!agent.reset) return `This agent keeps no conversation state, so there is nothing to reset.`;
          await agent.reset(row.decision.sessionKey);
          return "Started a new session.";
        }
        case "config":
          return configCommand(command.args, owners.has(row.decision.sender), options);
        case "acp":
          return (await options.acp?.(row, "acp")) ?? "ACP agents are not configured on this gateway.";
        case "help":
          return helpText(owners.has(row.decision.sender), options);
      }
    },
  };
}

/** The commands this sender may use, one a line: `/config` only for owners of a gateway that takes chat writes. */
function helpText(fromOwner: boolean, options: ChatCommandOptions): string {
  const lines = [
    "Commands you can send here:",
    "/status: the gateway's connection and counters, and your agent and session",
    "/new or /reset: start a new conversation with the agent",
  ];
  if (options.acp && options.acpAvailable)
    lines.push("/acp spawn|status|close …: bind this conversation to an ACP agent");
  if (fromOwner && options.commandsConfig && options.configWrites && options.configPath)
    lines.push("/config set <path> <value> | /config unset <path>: change a chat-writable config key");
  lines.push("/help: this list");
  return lines.join("\n");
}

const chatWritableSummary = `${chatWritableKeys.account.join(", ")} (under channels.imessage, channels.defaults or channels.imessage.accounts.<id>) and ${chatWritableKeys.other.join(", ")}`;

async function configCommand(args: string, fromOwner: boolean, options: ChatCommandOptions): Promise<string> {
  if (!options.commandsConfig) return "Config changes from chat are off (commands.config is false).";
  if (!fromOwner)
    return "Only owners may change the config from chat: the operator adds their handle to commands.ownerAllowFrom.";
  if (!options.configWrites)
    return "Config writes are disabled for this account (channels.imessage.configWrites: false).";
  if (!options.configPath) return "The gateway runs without a config file; create one first.";
  const [verb, path, ...rest] = args.split(/\s+/).filter(Boolean);
  // A chat write must never reach a program, path, host or agent: those run as the gateway's user after a restart.
  if ((verb === "set" || verb === "unset") && path && !isChatWritableKey(path)) {
    return `Not changed: ${path} cannot be changed from chat; chat writes only ${chatWritableSummary}. For anything else, run imessage-channel config set on the gateway.`;
  }
  try {
    if (verb === "set" && path && rest.length > 0) {
      await setConfigValue(options.configPath, path, parseCliValue(rest.join(" ")));
      return `Set ${path}. It takes effect when the gateway restarts.`;
    }
    if (verb === "unset" && path) {
      await unsetConfigValue(options.configPath, path);
      return `Unset ${path}. It takes effect when the gateway restarts.`;
    }
  } catch (error) {
    if (ConfigError.isInstance(error)) return `Not changed: ${error.problems[0]}`;
    throw error;
  }
  return "Usage: /config set <path> <value> | /config unset <path>";
}
