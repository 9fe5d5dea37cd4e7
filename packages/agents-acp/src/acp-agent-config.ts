import type { ToolKind } from "@agentclientprotocol/sdk";
import { AgentConfigError } from "@imessage-channel/agents";
import type { AcpAgentOptions, AcpMode } from "./acp-agent.ts";
import type { AcpSessionStore } from "./session-store.ts";

/** `agents.list[].runtime.acp`: the schema's keys, plus the ones this runtime also reads when present. */
export interface AcpRuntimeConfig {
  agent: string;
  backend?: string;
  mode?: AcpMode;
  cwd?: string;
  command?: string[];
  env?: Record<string, string>;
  permissions?: { allowKinds?: string[] };
  timeoutMs?: number;
}

export const toolKinds: readonly ToolKind[] = [
  "read",
  "edit",
  "delete",
  "move",
  "search",
  "execute",
  "think",
  "fetch",
  "switch_mode",
  "other",
];

/** Options for `createAcpAgent` from an agent's config; `path` names the config key in errors. */
export function acpAgentOptionsFromConfig(
  acp: AcpRuntimeConfig,
  context: { stateDir: string; sessionStore?: AcpSessionStore; path?: string },
): AcpAgentOptions {
  const path = context.path ?? "runtime.acp";
  const allowKinds = (acp.permissions?.allowKinds ?? []).map((kind) => {
    if (!(toolKinds as readonly string[]).includes(kind)) {
      throw new AgentConfigError(
        `${path}.permissions.allowKinds`,
        `${path}.permissions.allowKinds: "${kind}" is not one of ${toolKinds.join(" | ")}; remove it or fix the spelling`,
      );
    }
    return kind as ToolKind;
  });
  return {
    agent: acp.agent,
    command: acp.command,
    mode: acp.mode,
    cwd: acp.cwd,
    env: acp.env,
    backend: acp.backend,
    timeoutMs: acp.timeoutMs,
    permissions: { allowKinds },
    stateDir: context.stateDir,
    sessionStore: context.sessionStore,
  };
}
