import { describe, expect, it } from "vitest";
import { acpAgentOptionsFromConfig } from "./acp-agent-config.ts";

describe("acpAgentOptionsFromConfig", () => {
  it("carries the reference's config and the state dir", () => {
    expect(
      acpAgentOptionsFromConfig({ agent: "codex", backend: "acpx", mode: "persistent" }, { stateDir: "/var/state" }),
    ).toMatchObject({
      agent: "codex",
      backend: "acpx",
      mode: "persistent",
      stateDir: "/var/state",
      permissions: { allowKinds: [] },
    });
  });

  it("reads the optional keys: command, cwd, permissions, timeout", () => {
    expect(
      acpAgentOptionsFromConfig(
        {
          agent: "mine",
          command: ["my-agent", "--acp"],
          cwd: "/srv/repo",
          permissions: { allowKinds: ["read", "search"] },
          timeoutMs: 120_000,
        },
        { stateDir: "/var/state" },
      ),
    ).toMatchObject({
      command: ["my-agent", "--acp"],
      cwd: "/srv/repo",
      permissions: { allowKinds: ["read", "search"] },
      timeoutMs: 120_000,
    });
  });

  it("names the key and the allowed kinds for an unknown tool kind", () => {
    expect(() =>
      acpAgentOptionsFromConfig(
        { agent: "codex", permissions: { allowKinds: ["read", "reed"] } },
        { stateDir: "/s", path: "agents.list[0].runtime.acp" },
      ),
    ).toThrow('agents.list[0].runtime.acp.permissions.allowKinds: "reed" is not one of read | edit | delete');
  });
});
