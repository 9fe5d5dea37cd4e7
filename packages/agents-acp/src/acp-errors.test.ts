import { AgentError } from "@imessage-channel/agents";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  AcpAgentExitError,
  AcpCwdMissingError,
  AcpRequestError,
  AcpRuntimeClosedError,
  AcpTimeoutError,
  requestFailure,
} from "./acp-errors.ts";
import { AcpProcess } from "./acp-process.ts";
import { type AcpFixture, createAcpFixture } from "./test-support/acp-fixture.ts";

let fixture: AcpFixture;

beforeEach(async () => {
  fixture = await createAcpFixture();
});

afterEach(async () => {
  await fixture.cleanup();
});

const startAgent = () =>
  AcpProcess.start({
    agent: "fixture",
    command: fixture.command(),
    cwd: fixture.directory,
    startTimeoutMs: 30_000,
    onUpdate: () => {},
    onPermission: () => ({ outcome: { outcome: "cancelled" } }),
  });

const context = { agent: "fixture", request: "could not open a session", closing: () => false };

describe("ACP runtime errors", () => {
  it("are non-retryable agent errors the pipeline knows by code", () => {
    const exit = { code: 1, signal: null, detail: "boom" };
    const errors = [
      new AcpRuntimeClosedError("codex"),
      new AcpCwdMissingError("codex", "/srv/missing"),
      new AcpAgentExitError("codex", exit, { closing: false }),
      new AcpTimeoutError("codex", "finish the turn", 1_000, { cancelled: true }),
      new AcpRequestError("codex", "rejected the prompt", new Error("nope")),
    ];
    expect(errors.map((error) => AgentError.isInstance(error) && [error.code, error.retryable])).toEqual([
      ["AGENT_EXIT", false],
      ["AGENT_EXIT", false],
      ["AGENT_EXIT", false],
      ["AGENT_TIMEOUT", false],
      ["AGENT_BAD_REPLY", false],
    ]);
    expect(errors.map((error) => error.name)).toEqual([
      "AcpRuntimeClosedError",
      "AcpCwdMissingError",
      "AcpAgentExitError",
      "AcpTimeoutError",
      "AcpRequestError",
    ]);
    expect(AcpTimeoutError.isInstance(errors[2])).toBe(false);
  });

  it("say what failed and what to do", () => {
    const exit = { code: null, signal: "SIGKILL" as const, detail: "" };
    expect(new AcpAgentExitError("codex", exit, { closing: false }).message).toBe(
      "ACP agent codex crashed during the turn (killed by SIGKILL); it restarts with the next message",
    );
    expect(new AcpAgentExitError("codex", exit, { closing: true }).message).toBe(
      "ACP agent codex was stopped during the turn because the gateway is closing it",
    );
    expect(new AcpTimeoutError("codex", "start and open a session", 500, { cancelled: false }).message).toBe(
      "ACP agent codex did not start and open a session within 500 ms: raise the agent's timeoutMs or ask for less",
    );
    expect(new AcpRuntimeClosedError("codex").message).toMatch(/^ACP agent codex is closed: .+; create a new runtime/);
  });

  it("tell how to log in when the agent answers -32000 (authentication required)", () => {
    const error = new AcpRequestError("codex", "could not open a session", {
      code: -32000,
      message: "Authentication required",
    });
    expect(error.authRequired).toBe(true);
    expect(error.message).toMatch(
      /^ACP agent codex could not open a session: Authentication required; log in to codex on the gateway host as the user the gateway runs as/,
    );
    expect(new AcpRequestError("codex", "rejected the prompt", { code: -32602, message: "bad" }).message).toBe(
      "ACP agent codex rejected the prompt: bad",
    );
  });
});

describe("requestFailure", () => {
  it("takes a failed request of a running agent for its answer, keeping the cause", async () => {
    const agentProcess = await startAgent();
    try {
      const cause = await agentProcess
        .prompt("fixture-unknown", [{ type: "text", text: "hi" }])
        .catch((error: unknown) => error);
      const error = await requestFailure(agentProcess, { ...context, request: "rejected the prompt" }, cause);
      expect(AcpRequestError.isInstance(error) && error.cause).toBe(cause);
      expect(error.message).toMatch(/^ACP agent fixture rejected the prompt: /);
    } finally {
      await agentProcess.kill();
    }
  });

  it("reports the crash when the process died, and passes our own errors through", async () => {
    const agentProcess = await startAgent();
    const sessionId = await agentProcess.newSession(fixture.directory);
    const cause = await agentProcess
      .prompt(sessionId, [{ type: "text", text: "crash now" }])
      .catch((error: unknown) => error);
    const error = await requestFailure(agentProcess, context, cause);
    expect(AcpAgentExitError.isInstance(error) && error).toMatchObject({ exit: { code: 1 }, closing: false, cause });
    const own = new AcpRuntimeClosedError("fixture");
    expect(await requestFailure(agentProcess, context, own)).toBe(own);
  });
});
