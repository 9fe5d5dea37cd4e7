// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AcpAgentExitError, AcpRequestError, AcpTimeoutError } from "./acp-errors.ts";
import { AcpProcess } from "./acp-process.ts";
import { type AcpPromptRunner, createAcpPromptRunner, turnReply } from "./acp-prompt-runner.ts";
import { type AcpFixture, createAcpFixture } from "./test-support/acp-fixture.ts";

let fixture: AcpFixture;
let agentProcess: AcpProcess;
let closing: boolean;
let prompts: AcpPromptRunner;

function runner(options: { timeoutMs?: number; cancelGraceMs?: number } = {}): AcpPromptRunner {
  return createAcpPromptRunner({
    agent: "fixture",
    timeoutMs: options.timeoutMs ?? 30_000,
    cancelGraceMs: options.cancelGraceMs ?? 5_000,
    closing: () => closing,
  });
}

beforeEach(async () => {
  fixture = await createAcpFixture();
  closing = false;
  prompts = runner();
  agentProcess = await AcpProcess.start({
    agent: "fixture",
    command: fixture.command(),
    cwd: fixture.directory,
    startTimeoutMs: 30_000,
    // The runner a test makes later still gets the updates: they go to whichever runner is current.
    onUpdate: (notification) => prompts.onUpdate(notification),
    onPermission: () => ({ outcome: { outcome: "cancelled" } }),
  });
});

afterEach(async () => {
  await agentProcess.kill();
  await fixture.cleanup();
});

const text = (value: string) => [{ type: "text" as const, text: value }];
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );
const signal = () => new AbortController().signal;

describe("ACP prompt runner", () => {
  it("collects the text of its own session only while prompts of two sessions run at once", async () => {
    const [one, two] = await Promise.all([
      agentProcess.newSession(fixture.directory),
      agentProcess.newSession(fixture.directory),
    ]);
    const replies = await Promise.all([
      prompts.turn(signal()).prompt(agentProcess, one, text("alpha beta gamma")),
      prompts.turn(signal()).prompt(agentProcess, two, text("one two three")),
    ]);
    expect(replies).toEqual([
      { text: "echo: alpha beta gamma", stopReason: "end_turn" },
      { text: "echo: one two three", stopReason: "end_turn" },
    ]);
  });

  it("cancels a prompt past the turn's deadline and fails with the step that ran out", async () => {
    prompts = runner({ timeoutMs: 300 });
    const sessionId = await agentProcess.newSession(fixture.directory);
    const error = await failure(prompts.turn(signal()).prompt(agentProcess, sessionId, text("hang on")));
    expect(AcpTimeoutError.isInstance(error) && error).toMatchObject({
      code: "AGENT_TIMEOUT",
      step: "finish the turn",
      timeoutMs: 300,
      cancelled: true,
    });
    expect(fixture.events("session/cancel").map((event) => event.sessionId)).toEqual([sessionId]);
  });

  it("fails with the gateway's own reason when it aborts the turn, after cancelling the prompt", async () => {
    const sessionId = await agentProcess.newSession(fixture.directory);
    const controller = new AbortController();
    const running = failure(prompts.turn(controller.signal).prompt(agentProcess, sessionId, text("hang on")));
    await waitFor("the prompt to reach the agent", () => fixture.events("session/prompt").length > 0);
    const reason = new Error("gateway stopping");
    controller.abort(reason);
    expect(await running).toBe(reason);
    expect(fixture.events("session/cancel")).toHaveLength(1);
  });

  it("reports a process that dies mid-prompt as a crash, or as stopped while the runtime closes", async () => {
    const sessionId = await agentProcess.newSession(fixture.directory);
    const crash = await failure(prompts.turn(signal()).prompt(agentProcess, sessionId, text("crash now")));
    expect(AcpAgentExitError.isInstance(crash) && crash).toMatchObject({ closing: false, exit: { code: 1 } });
    expect(String(crash)).toContain("crashed during the turn (exited with code 1: fixture: giving up on purpose)");

    agentProcess = await AcpProcess.start({
      agent: "fixture",
      command: fixture.command(),
      cwd: fixture.directory,
      startTimeoutMs: 30_000,
      onUpdate: (notification) => prompts.onUpdate(notification),
      onPermission: () => ({ outcome: { outcome: "cancelled" } }),
    });
    const next = await agentProcess.newSession(fixture.directory);
    const running = failure(prompts.turn(signal()).prompt(agentProcess, next, text("hang on")));
    await waitFor("the prompt to reach the agent", () => fixture.events("session/prompt").length > 1);
    closing = true;
    await agentProcess.kill();
    const stopped = await running;
    expect(AcpAgentExitError.isInstance(stopped) && stopped.closing).toBe(true);
    expect(String(stopped)).toContain("was stopped during the turn because the gateway is closing it");
  });

  it("says the agent rejected the prompt when it answers with an error", async () => {
    const error = await failure(prompts.turn(signal()).prompt(agentProcess, "fixture-unknown", text("hello")));
    expect(AcpRequestError.isInstance(error) && error).toMatchObject({
      code: "AGENT_BAD_REPLY",
      request: "rejected the prompt",
      authRequired: false,
    });
    expect(String(error)).toContain("ACP agent fixture rejected the prompt: ");
  });

  it("until: resolves with the work, or fails at the deadline naming the step though the work never settles", async () => {
    const quick = runner({ timeoutMs: 100 });
    expect(await quick.turn(signal()).until(Promise.resolve(7), "start")).toBe(7);
    const error = await failure(quick.turn(signal()).until(new Promise(() => {}), "start and open a session"));
    expect(AcpTimeoutError.isInstance(error) && error).toMatchObject({
      step: "start and open a session",
      cancelled: false,
    });
    expect(String(error)).toContain(
      "did not start and open a session within 100 ms: raise the agent's timeoutMs or ask for less",
    );
  });
});

describe("turn reply", () => {
  it("puts the session's notice before the text, alone when there is no text", () => {
    expect(turnReply("codex", { text: " hi \n", stopReason: "end_turn", notice: undefined })).toEqual({ text: "hi" });
    expect(turnReply("codex", { text: "hi", stopReason: "end_turn", notice: "(New codex session.)" })).toEqual({
      text: "(New codex session.)\n\nhi",
    });
    expect(turnReply("codex", { text: "", stopReason: "end_turn", notice: "(New codex session.)" })).toEqual({
      text: "(New codex session.)",
    });
  });

  it("says a refusal without text, and is no reply when there is nothing to say", () => {
    expect(turnReply("codex", { text: "", stopReason: "refusal", notice: undefined })).toEqual({
      text: "(codex declined to answer.)",
    });
    expect(turnReply("codex", { text: "  ", stopReason: "end_turn", notice: undefined })).toBeUndefined();
    expect(turnReply("codex", { text: "", stopReason: "cancelled", notice: undefined })).toBeUndefined();
  });
});
