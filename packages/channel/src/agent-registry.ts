import {
  type AgentRuntime,
  createEchoAgent,
  createExecAgent,
  createOpenAiAgent,
  createWebhookAgent,
} from "@imessage-channel/agents";
import type { AcpAgentRuntime } from "@imessage-channel/agents-acp";
import type { AgentConfig } from "@imessage-channel/config";
import type { Logger } from "@imessage-channel/kit";
import { agentMediaDirectory } from "./outbound-media.ts";

export interface AgentRegistryOptions {
  stateDir: string;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  /** Builds ACP runtimes (the ACP module plugs in here). */
  createAcp?: (agent: AgentConfig & { runtime: { type: "acp" } }) => AcpAgentRuntime;
}

/** The agent runtimes a channel asks: an embedder may bring its own (`createChannel({ agents })`). */
export interface ChannelAgents {
  /** The runtime of an agent id that routing chose (`agents.list`, bindings); throws for an unknown id. */
  get(agentId: string): AgentRuntime;
  /** The ACP runtime behind `/acp` chat commands; undefined (or absent) when the id has none. */
  acpRuntime?(agentId: string): AcpAgentRuntime | undefined;
  /** Called once at stop, after the last turn. */
  close?(): Promise<void>;
}

/** One runtime per configured agent, created lazily and kept for the gateway's life. */
export class AgentRegistry implements ChannelAgents {
  readonly #configs = new Map<string, AgentConfig>();
  readonly #runtimes = new Map<string, AgentRuntime>();
  readonly #options: AgentRegistryOptions;

  constructor(agents: readonly AgentConfig[], options: AgentRegistryOptions) {
    this.#options = options;
    for (const agent of agents) this.#configs.set(agent.id, agent);
    if (this.#configs.size === 0) {
      options.logger.warn({}, 'no agents configured (agents.list): replies come from the echo agent "main"');
      this.#configs.set("main", { id: "main", default: true, runtime: { type: "echo" } });
    }
  }

  get(agentId: string): AgentRuntime {
    const existing = this.#runtimes.get(agentId);
    if (existing) return existing;
    const config = this.#configs.get(agentId);
    if (!config) throw new Error(`agent "${agentId}" is not in agents.list; add it or fix the binding that names it`);
    const runtime = this.#create(config);
    this.#runtimes.set(agentId, runtime);
    return runtime;
  }

  #create(config: AgentConfig): AgentRuntime {
    const runtime = config.runtime;
    switch (runtime.type) {
      case "echo":
        return createEchoAgent();
      case "exec":
        return createExecAgent({ ...runtime, mediaDir: agentMediaDirectory(this.#options.stateDir, config.id) });
      case "webhook":
        return createWebhookAgent(runtime);
      case "openai":
        return createOpenAiAgent({
          ...runtime,
          stateDir: this.#options.stateDir,
          env: this.#options.env,
          onWarning: (message) => this.#options.logger.warn({}, message),
        });
      case "acp": {
        if (!this.#options.createAcp)
          throw new Error(`agent "${config.id}": ACP runtimes are not available in this build`);
        return this.#options.createAcp(config as AgentConfig & { runtime: { type: "acp" } });
      }
    }
  }

  /** The ACP runtime of an `agents.list` id with an ACP runtime; undefined for anything else (so a chat cannot launch arbitrary agents). */
  acpRuntime(agentId: string): AcpAgentRuntime | undefined {
    if (this.#configs.get(agentId)?.runtime.type !== "acp") return undefined;
    return this.get(agentId) as AcpAgentRuntime;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.#runtimes.values()].map((runtime) => runtime.close?.()));
  }
}
