import { defaults } from "./defaults.ts";
import type { AgentConfig, BindingConfig, Config, DmScope } from "./schema.ts";

/** What routing needs from the file: agents, bindings, mention patterns and the DM session scope. */
export interface ResolvedRouting {
  agents: AgentConfig[];
  /** `default: true`, else the first agent, else `main`. */
  defaultAgentId: string;
  bindings: BindingConfig[];
  /** `messages.groupChat.mentionPatterns`: the fallback when an agent has none of its own. */
  mentionPatterns: string[];
  /** `per-peer` (the older name) arrives here as `per-sender`. */
  dmScope: Exclude<DmScope, "per-peer">;
  /** `/config set|unset` from chat: needs `commands.config` here and `configWrites` on the account. */
  commandsConfig: boolean;
  /** `commands.ownerAllowFrom` as written: the handles that may use owner-only chat commands; empty = nobody. */
  ownerAllowFrom: string[];
}

export function resolveRouting(config: Config): ResolvedRouting {
  const agents = config.agents?.list ?? [];
  return {
    agents,
    defaultAgentId: (agents.find((agent) => agent.default) ?? agents[0])?.id ?? defaults.defaultAgentId,
    bindings: config.bindings ?? [],
    mentionPatterns: config.messages?.groupChat?.mentionPatterns ?? [],
    dmScope: config.session?.dmScope === "per-peer" ? "per-sender" : (config.session?.dmScope ?? defaults.dmScope),
    commandsConfig: config.commands?.config ?? defaults.commandsConfig,
    ownerAllowFrom: [...(config.commands?.ownerAllowFrom ?? [])],
  };
}
