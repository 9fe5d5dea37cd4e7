import { ChannelError } from "@imessage-channel/kit";

/**
 * An agent's configuration cannot work (an empty command, an unknown ACP agent, a misspelt permission kind): found
 * when the agent is built, before any turn. `key` names the config key the operator has to fix.
 */
export class AgentConfigError extends ChannelError<"AGENT_CONFIG_INVALID"> {
  readonly key: string;

  constructor(key: string, message: string) {
    super("AGENT_CONFIG_INVALID", message);
    this.key = key;
  }
}
