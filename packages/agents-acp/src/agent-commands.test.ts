import { AgentConfigError } from "@imessage-channel/agents";
import { describe, expect, it } from "vitest";
import { defaultAcpAgentCommands, resolveAcpAgentCommand } from "./agent-commands.ts";

describe("resolveAcpAgentCommand", () => {
  it("maps agent names to their default launch commands", () => {
    expect(resolveAcpAgentCommand("codex")).toEqual(["npx", "-y", "@zed-industries/codex-acp"]);
    expect(resolveAcpAgentCommand("Claude")).toEqual(["npx", "-y", "@zed-industries/claude-agent-acp"]);
    expect(resolveAcpAgentCommand("gemini")).toEqual(["gemini", "--experimental-acp"]);
  });

  it("prefers an explicit command", () => {
    expect(resolveAcpAgentCommand("codex", ["/opt/bin/codex-acp", "--verbose"])).toEqual([
      "/opt/bin/codex-acp",
      "--verbose",
    ]);
  });

  it("names the known agents when one is unknown and has no command", () => {
    expect(() => resolveAcpAgentCommand("mystery")).toThrow(
      /runtime\.acp\.agent: "mystery" has no default launch command \(known: codex \| claude \| gemini \| opencode\); set runtime\.acp\.command/,
    );
  });

  it("throws a config error naming the key to fix", () => {
    let thrown: unknown;
    try {
      resolveAcpAgentCommand("mystery");
    } catch (error) {
      thrown = error;
    }
    expect(AgentConfigError.isInstance(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: "AGENT_CONFIG_INVALID", key: "runtime.acp.agent" });
  });

  it("hands out copies, so callers cannot change the table", () => {
    resolveAcpAgentCommand("codex").push("--oops");
    expect(defaultAcpAgentCommands.codex).toHaveLength(3);
  });
});
