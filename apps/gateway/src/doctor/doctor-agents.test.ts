// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type LoopbackServer, sendJson, startLoopbackServer } from "@imessage-channel/agents/test-support";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness, gatewayBinPath } from "../../test/test-support/gateway-harness.ts";
import { onTerminal } from "../../test/test-support/on-terminal.ts";

interface Check {
  id: string;
  status: string;
  message: string;
  fix?: string;
}

interface Report {
  agents: Array<{ agentId: string; type: string; checks: Check[] }>;
  summary: { warnings: number; failures: number };
}

let harness: GatewayHarness | undefined;
const servers: Array<{ close(): unknown }> = [];
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
  for (const server of servers.splice(0)) await server.close();
});

/** A port nothing listens on: one the OS just handed out and took back. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function withAgents(list: unknown[]): Promise<void> {
  await harness!.writeConfig({ config: { agents: { list } } });
}

async function doctor(extraEnv: NodeJS.ProcessEnv = {}) {
  const { code, stdout, stderr } = await harness!.cli(["doctor", "--json", "--config", harness!.configPath], extraEnv);
  const report = JSON.parse(stdout) as Report;
  const check = (agentId: string, id: string) =>
    report.agents.find((agent) => agent.agentId === agentId)?.checks.find((entry) => entry.id === id);
  return { code, stdout, stderr, report, check };
}

describe("doctor: agents", () => {
  it("passes a live webhook by a HEAD request (never a turn) and fails one on a dead port", async () => {
    harness = await GatewayHarness.create();
    const live = await doctor();
    expect(live.check("main", "agent-reachable")).toMatchObject({
      status: "ok",
      message: `webhook agent: HEAD ${harness.agent.url} answered 405 (reachable; no turn was sent)`,
    });
    expect(harness.agent.requests.map((request) => request.method)).toEqual(["HEAD"]);
    expect(harness.turns()).toEqual([]);

    const port = await deadPort();
    await withAgents([
      { id: "main", default: true, runtime: { type: "webhook", url: `http://127.0.0.1:${port}/turn` } },
    ]);
    const dead = await doctor();
    expect(dead.code).toBe(1);
    expect(dead.check("main", "agent-reachable")).toMatchObject({
      status: "fail",
      message: expect.stringContaining(`HEAD http://127.0.0.1:${port} could not connect (`),
      fix: "start the agent's server, or fix agents.list[0].runtime.url",
    });
    expect(dead.stderr).toMatch(/^error: \d+ warnings?, 1 failure \(see above\)$/m);
  });

  it("names a webhook by its origin only: its path and query token appear nowhere in the report", async () => {
    harness = await GatewayHarness.create();
    const port = await deadPort();
    const url = `http://127.0.0.1:${port}/hooks/T0/B0/path-secret-123?token=query-secret-456`;
    await withAgents([{ id: "main", default: true, runtime: { type: "webhook", url } }]);
    for (const args of [["--json"], []]) {
      const { stdout, stderr } = await harness.cli(["doctor", ...args, "--config", harness.configPath]);
      expect(stdout).toContain(`http://127.0.0.1:${port}`);
      expect(stdout + stderr).not.toMatch(/path-secret-123|query-secret-456|\/hooks\//);
    }
  });

  it("fails a webhook that accepts the connection but never answers, after the 2 s probe timeout", async () => {
    harness = await GatewayHarness.create();
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    servers.push({
      close: () => {
        silent.closeAllConnections();
        return new Promise((resolve) => silent.close(resolve));
      },
    });
    const { port } = silent.address() as AddressInfo;
    await withAgents([{ id: "main", default: true, runtime: { type: "webhook", url: `http://127.0.0.1:${port}/` } }]);
    expect((await doctor()).check("main", "agent-reachable")).toMatchObject({
      status: "fail",
      message: `webhook agent: HEAD http://127.0.0.1:${port} got no answer within 2 s`,
    });
  });

  it("openai: fails an unset apiKeyEnv, passes a set key the endpoint accepts, fails one it refuses; the key is never printed", async () => {
    harness = await GatewayHarness.create();
    const endpoint: LoopbackServer = await startLoopbackServer((request, response) => {
      if (request.headers.authorization !== "Bearer sk-right-key") return sendJson(response, 401, { error: "no" });
      sendJson(response, 200, { data: [{ id: "m" }] });
    });
    servers.push(endpoint);
    await withAgents([
      {
        id: "main",
        default: true,
        runtime: { type: "openai", baseUrl: `${endpoint.url}/v1`, model: "m", apiKeyEnv: "DOCTOR_TEST_KEY" },
      },
    ]);

    const unset = await doctor({ DOCTOR_TEST_KEY: "" });
    expect(unset.code).toBe(1);
    expect(unset.check("main", "agent-api-key")).toMatchObject({
      status: "fail",
      message: "openai agent: $DOCTOR_TEST_KEY (apiKeyEnv) is not set in this environment, so requests carry no key",
    });
    expect(unset.check("main", "agent-reachable")?.status).toBe("ok");

    const right = await doctor({ DOCTOR_TEST_KEY: "sk-right-key" });
    expect(right.check("main", "agent-api-key")).toMatchObject({ status: "ok" });
    expect(right.check("main", "agent-reachable")).toMatchObject({
      status: "ok",
      message: `openai agent: GET ${endpoint.url}/…/models answered 200 (reachable; no turn was sent)`,
    });
    expect(endpoint.requests.map((request) => `${request.method} ${request.url}`)).toContain("GET /v1/models");
    expect(endpoint.requests.some((request) => request.method === "POST")).toBe(false);

    const wrong = await doctor({ DOCTOR_TEST_KEY: "sk-wrong-key" });
    expect(wrong.code).toBe(1);
    expect(wrong.check("main", "agent-reachable")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("answered 401: the server refuses our credentials"),
      fix: expect.stringContaining("$DOCTOR_TEST_KEY"),
    });
    expect(right.stdout + wrong.stdout + wrong.stderr).not.toMatch(/sk-right-key|sk-wrong-key/);
  });

  it("exec and ACP: fails a program that does not exist or is not on PATH, passes one that is", async () => {
    harness = await GatewayHarness.create();
    await withAgents([
      { id: "main", default: true, runtime: { type: "exec", command: [process.execPath, "agent.js"] } },
      { id: "gone", runtime: { type: "exec", command: [join(harness.dir, "no-such-agent")] } },
      { id: "bare", runtime: { type: "exec", command: ["imessage-channel-no-such-agent"] } },
      { id: "coder", runtime: { type: "acp", acp: { agent: "codex", command: ["no-such-acp-adapter", "--acp"] } } },
      { id: "odd", runtime: { type: "acp", acp: { agent: "mystery" } } },
    ]);
    const { code, check } = await doctor({ PATH: "/usr/bin:/bin" });
    expect(code).toBe(1);
    expect(check("main", "agent-program")).toMatchObject({
      status: "ok",
      message: `exec agent: ${process.execPath} exists and is executable`,
    });
    expect(check("gone", "agent-program")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("no-such-agent does not exist or is not executable"),
      fix: expect.stringContaining("agents.list[1].runtime.command[0]"),
    });
    expect(check("bare", "agent-program")).toMatchObject({
      status: "fail",
      message: 'exec agent: imessage-channel-no-such-agent is not on PATH, so every turn of agent "bare" fails',
    });
    expect(check("coder", "agent-program")).toMatchObject({
      status: "fail",
      message: expect.stringContaining("acp agent codex: no-such-acp-adapter is not on PATH"),
      fix: expect.stringContaining("agents.list[3].runtime.acp.command[0]"),
    });
    expect(check("odd", "agent-program")).toMatchObject({
      status: "fail",
      message: expect.stringContaining('"mystery" has no default launch command (known: codex'),
    });
  });

  it("warns when the echo agent answers every chat: as the only agent, or when agents.list is empty", async () => {
    harness = await GatewayHarness.create();
    await withAgents([{ id: "imported", runtime: { type: "echo" } }]);
    const only = await doctor();
    expect(only.code).toBe(0);
    expect(only.check("imported", "agent-echo")).toMatchObject({
      status: "warn",
      message: expect.stringContaining('the default agent "imported" is the echo agent'),
      fix: expect.stringContaining("agents.list[0].runtime"),
    });
    await withAgents([]);
    const none = await doctor();
    expect(none.report.agents).toEqual([
      {
        agentId: "main",
        type: "echo",
        checks: [
          expect.objectContaining({
            id: "agent-echo",
            status: "warn",
            message: expect.stringContaining("no agents configured"),
          }),
        ],
      },
    ]);
    expect(none.report.summary.warnings).toBeGreaterThanOrEqual(1);
  });
});

describe("doctor: the text report", () => {
  it("prints each check's id, the fix under it and a summary line; colours only on a terminal without NO_COLOR", async () => {
    harness = await GatewayHarness.create();
    await withAgents([{ id: "main", default: true, runtime: { type: "echo" } }]);
    const piped = await harness.cli(["doctor", "--config", harness.configPath]);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^ {2}ok {4}imsg-found +imsg \d+\.\d+\.\d+$/m);
    expect(piped.stdout).toMatch(
      /^agent main \(echo\)\n {2}warn {2}agent-echo +the default agent "main" is the echo agent/m,
    );
    expect(piped.stdout).toMatch(/^ +fix: set agents\.list\[0\]\.runtime to an exec, webhook, openai or acp runtime/m);
    const summary = piped.stdout.trimEnd().split("\n").at(-1);
    const warnings = (piped.stdout.match(/^ *warn {2}/gm) ?? []).length;
    expect(summary).toBe(`${warnings} warning${warnings === 1 ? "" : "s"}, 0 failures`);
    expect(piped.stdout).not.toContain("\u001b[");

    // A path without spaces: the terminal runner splits its arguments on them.
    const args = ["doctor", "--config", harness.configPath];
    expect(harness.configPath).not.toMatch(/\s/);
    const terminal = await onTerminal(process.execPath, gatewayBinPath, args, {
      ...harness.env,
      NO_COLOR: "",
      TERM: "xterm-256color",
    });
    expect(terminal).toContain("\u001b[33mwarn\u001b[39m");
    expect(terminal).toContain("\u001b[32mok  \u001b[39m");
    const noColour = await onTerminal(process.execPath, gatewayBinPath, args, {
      ...harness.env,
      NO_COLOR: "1",
      TERM: "xterm-256color",
    });
    expect(noColour).toContain("agent-echo");
    expect(noColour).not.toContain("\u001b[");
  });
});
