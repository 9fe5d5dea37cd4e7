import { ConfigError, parseCliValue, setConfigValue, unsetConfigValue } from "@imessage-channel/config";
import type { AccountStatusReporter } from "../account-status.ts";
import type { AgentRuntime } from "../agents/runtime.ts";
import type { ChatCommandHandler, PendingRow } from "./inbound-pipeline.ts";

export interface ChatCommandOptions {
  status: AccountStatusReporter;
  /** `commands.config` of the file. */
  commandsConfig: boolean;
  /** `configWrites` of the account. */
  configWrites: boolean;
  /** The config file `/config set` edits; undefined when the gateway runs on built-in defaults. */
  configPath: string | undefined;
  /**
   * ACP chat commands for this conversation: `/acp …`, and `/new`/`/reset` of a bound conversation.
   * Resolves undefined when the conversation is not bound (then `/new`/`/reset` reset the routed agent).
   */
  acp?: (row: PendingRow, command: "acp" | "new" | "reset") => Promise<string | undefined>;
}

/**
 * Control commands from authorized senders (policy only marks a row as a command for them):
 * `/status`, `/new`, `/reset`, `/config set|unset …`, `/acp …`. Strangers' commands never get here.
 */
export function createChatCommands(options: ChatCommandOptions): ChatCommandHandler {
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
          return configCommand(command.args, options);
        case "acp":
          return (await options.acp?.(row, "acp")) ?? "ACP agents are not configured on this gateway.";
      }
    },
  };
}

async function configCommand(args: string, options: ChatCommandOptions): Promise<string> {
  if (!options.commandsConfig) return "Config changes from chat are off (commands.config is false).";
  if (!options.configWrites)
    return "Config writes are disabled for this account (channels.imessage.configWrites: false).";
  if (!options.configPath) return "The gateway runs without a config file; create one first.";
  const [verb, path, ...rest] = args.split(/\s+/).filter(Boolean);
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
