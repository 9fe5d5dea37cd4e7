import { AgentConfigError } from "@imessage-channel/agents";

/**
 * Launch commands of the ACP agents a config may name in `runtime.acp.agent` (argv, never run through a shell).
 * The adapters come from the npm registry through `npx -y`; an explicit `command` overrides the table,
 * e.g. for a globally installed adapter or a pinned version.
 */
export const defaultAcpAgentCommands: Readonly<Record<string, readonly string[]>> = {
  codex: ["npx", "-y", "@zed-industries/codex-acp"],
  claude: ["npx", "-y", "@zed-industries/claude-agent-acp"],
  gemini: ["gemini", "--experimental-acp"],
  opencode: ["npx", "-y", "opencode-ai", "acp"],
};

/** The argv that starts agent `agent`: the explicit command when given, else the table's. */
export function resolveAcpAgentCommand(agent: string, command?: readonly string[]): string[] {
  if (command && command.length > 0) return [...command];
  const known = defaultAcpAgentCommands[agent.trim().toLowerCase()];
  if (known) return [...known];
  const names = Object.keys(defaultAcpAgentCommands).join(" | ");
  throw new AgentConfigError(
    "runtime.acp.agent",
    `runtime.acp.agent: "${agent}" has no default launch command (known: ${names}); set runtime.acp.command to its argv, e.g. ["my-agent", "--acp"]`,
  );
}
