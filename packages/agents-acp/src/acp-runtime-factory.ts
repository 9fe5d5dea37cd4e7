import type { AcpBindingStore, MetaStore } from "@imessage-channel/state";
import { type AcpAgentRuntime, createAcpAgent } from "./acp-agent.ts";
import { type AcpRuntimeConfig, acpAgentOptionsFromConfig } from "./acp-agent-config.ts";
import { createBindingSessionStore, createMetaAcpSessionStore, parseAcpSessionKey } from "./binding-session-store.ts";

export interface AcpRuntimeFactoryOptions {
  stateDir: string;
  bindings: AcpBindingStore;
  meta: Pick<MetaStore, "getMeta" | "setMeta" | "deleteMeta">;
  /** The agent's stderr, line by line (for a debug log). */
  onStderr?: (agentId: string, line: string) => void;
}

/** An `agents.list[]` entry with an ACP runtime, as the config package reads it. */
export interface AcpAgentEntry {
  id: string;
  runtime: { type: "acp"; acp: AcpRuntimeConfig };
}

/**
 * Builds the runtime of an ACP agent entry for the agent registry: session ids persist on the
 * conversation's binding (`acp:<accountId>:<conversationKey>` session keys) or, for any other session
 * key, in the state dir's meta table, so persistent sessions resume after a restart either way.
 */
export function createAcpRuntimeFactory(options: AcpRuntimeFactoryOptions): (agent: AcpAgentEntry) => AcpAgentRuntime {
  return (agent) =>
    createAcpAgent({
      ...acpAgentOptionsFromConfig(agent.runtime.acp, {
        stateDir: options.stateDir,
        path: `agents.list[id=${agent.id}].runtime.acp`,
        sessionStore: createBindingSessionStore(
          options.bindings,
          parseAcpSessionKey,
          createMetaAcpSessionStore(options.meta, agent.id),
        ),
      }),
      onStderr: options.onStderr && ((line) => options.onStderr?.(agent.id, line)),
    });
}
