import { describe, expect, it } from "vitest";
import { parseAcpChatCommand, parseAcpCommandArguments } from "./chat-command.ts";

describe("parseAcpChatCommand", () => {
  it("reads /acp spawn with --bind here", () => {
    expect(parseAcpChatCommand("/acp spawn codex --bind here")).toEqual({
      kind: "spawn",
      agent: "codex",
      bindHere: true,
    });
  });

  it("reads a spawn without binding, and a label", () => {
    expect(parseAcpChatCommand("/acp spawn gemini")).toEqual({ kind: "spawn", agent: "gemini", bindHere: false });
    expect(parseAcpChatCommand("/acp spawn claude --label=review --bind here")).toEqual({
      kind: "spawn",
      agent: "claude",
      bindHere: true,
      label: "review",
    });
  });

  it("takes what a phone types: capitals, smart dashes, extra spaces", () => {
    expect(parseAcpChatCommand("  /ACP Spawn Codex  —bind  Here ")).toEqual({
      kind: "spawn",
      agent: "codex",
      bindHere: true,
    });
    expect(parseAcpChatCommand("/acp spawn codex –bind here")).toMatchObject({ kind: "spawn", bindHere: true });
  });

  it("reads close, status, /new and /reset", () => {
    expect(parseAcpChatCommand("/acp close")).toEqual({ kind: "close" });
    expect(parseAcpChatCommand("/acp status")).toEqual({ kind: "status" });
    expect(parseAcpChatCommand("/new")).toEqual({ kind: "new" });
    expect(parseAcpChatCommand("/Reset")).toEqual({ kind: "reset" });
  });

  it("reads the arguments the policy package splits off", () => {
    expect(parseAcpCommandArguments("spawn codex --bind here")).toEqual({
      kind: "spawn",
      agent: "codex",
      bindHere: true,
    });
    expect(parseAcpCommandArguments("")).toMatchObject({ kind: "invalid" });
  });

  it("leaves ordinary messages to the agent", () => {
    expect(parseAcpChatCommand("please spawn codex")).toBeUndefined();
    expect(parseAcpChatCommand("/newish idea")).toBeUndefined();
    expect(parseAcpChatCommand("/new plan for today")).toBeUndefined();
    expect(parseAcpChatCommand("/acpx spawn codex")).toBeUndefined();
  });

  it("explains malformed /acp commands with the usage", () => {
    const cases = [
      ["/acp", "Missing the /acp command."],
      ["/acp launch codex", 'Unknown /acp command "launch".'],
      ["/acp spawn", "Name the agent to spawn"],
      ["/acp spawn --bind here", "Name the agent to spawn"],
      ["/acp spawn codex --bind there", 'Only "--bind here" is supported'],
      ["/acp spawn codex --bind", 'Only "--bind here" is supported'],
      ["/acp spawn codex --force", 'Unknown option "--force".'],
      ["/acp spawn co$dex", '"co$dex" is not an agent name.'],
      ["/acp close now", "/acp close takes no arguments."],
    ] as const;
    for (const [text, problem] of cases) {
      const command = parseAcpChatCommand(text);
      expect(command?.kind, text).toBe("invalid");
      expect(command?.kind === "invalid" && command.message, text).toContain(problem);
      expect(command?.kind === "invalid" && command.message, text).toContain("Usage: /acp spawn <agent>");
    }
  });
});
