import { describe, expect, it } from "vitest";
import { agentChecks } from "./agent-checks.ts";
import type { AgentFacts } from "./agent-probe.ts";

const base = { agentId: "main", index: 0, isDefault: true, configured: true };

function webhookAnswering(status: number): AgentFacts {
  return {
    ...base,
    type: "webhook",
    origin: "https://hooks.example.com",
    probe: { kind: "answered", method: "HEAD", status },
  };
}

describe("doctor: what an agent server's answer to the probe means", () => {
  it("takes any answer of a POST-only endpoint (200, 404, 405, 501) as reachable", () => {
    for (const status of [200, 404, 405, 501]) expect(agentChecks(webhookAnswering(status))[0]?.status).toBe("ok");
  });

  it("warns on a 5xx and on refused webhook headers; fails a refused openai key", () => {
    expect(agentChecks(webhookAnswering(503))[0]).toMatchObject({
      status: "warn",
      message: expect.stringContaining("up but failing"),
    });
    expect(agentChecks(webhookAnswering(401))[0]).toMatchObject({
      status: "warn",
      fix: expect.stringContaining("agents.list[0].runtime.headers"),
    });
    const openai: AgentFacts = {
      ...base,
      type: "openai",
      origin: "https://api.example.com",
      apiKeyEnv: "KEY",
      apiKeySet: true,
      probe: { kind: "answered", method: "GET", status: 403 },
    };
    expect(agentChecks(openai).map((check) => [check.id, check.status])).toEqual([
      ["agent-api-key", "ok"],
      ["agent-reachable", "fail"],
    ]);
  });

  it("fails an exec or ACP agent whose working directory is gone", () => {
    const exec: AgentFacts = {
      ...base,
      type: "exec",
      program: { program: "node", foundAt: "/usr/bin/node" },
      cwd: { path: "/srv/agent", exists: false },
    };
    expect(agentChecks(exec).map((check) => [check.id, check.status])).toEqual([
      ["agent-program", "ok"],
      ["agent-cwd", "fail"],
    ]);
    expect(agentChecks(exec)[1]?.fix).toBe("create it, or fix agents.list[0].runtime.cwd");
  });
});
