// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Turn } from "@imessage-channel/agents";
import { AgentError } from "@imessage-channel/agents";
import { sampleTurn, waitFor } from "@imessage-channel/agents/test-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AcpAgentOptions, type AcpAgentRuntime, createAcpAgent } from "./acp-agent.ts";
import { createMemoryAcpSessionStore } from "./session-store.ts";
import { type AcpFixture, createAcpFixture } from "./test-support/acp-fixture.ts";

let fixture: AcpFixture;
const runtimes: AcpAgentRuntime[] = [];

beforeEach(async () => {
  fixture = await createAcpFixture();
});

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
  await fixture.cleanup();
});

function start(options: Partial<AcpAgentOptions> & { load?: boolean } = {}): AcpAgentRuntime {
  const { load, ...rest } = options;
  const runtime = createAcpAgent({
    agent: "fixture",
    command: fixture.command({ load }),
    stateDir: fixture.directory,
    ...rest,
  });
  runtimes.push(runtime);
  return runtime;
}

const ask = (runtime: AcpAgentRuntime, text: string, overrides: Partial<Turn> = {}) =>
  runtime.run(sampleTurn({ text, ...overrides }), new AbortController().signal);

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe("acp agent runtime", () => {
  it("assembles the streamed message chunks in order into the reply", async () => {
    const runtime = start();
    const words = Array.from({ length: 40 }, (_, index) => `word${index}`).join(" ");
    expect(await ask(runtime, words)).toEqual({ text: `echo: ${words}` });
    const [initialize] = fixture.events("initialize");
    expect(initialize?.clientCapabilities).toMatchObject({
      fs: { readTextFile: false, writeTextFile: false },
      terminal: false,
    });
  });

  it("keeps one session per session key across turns in persistent mode", async () => {
    const runtime = start();
    await ask(runtime, "remember apples");
    await ask(runtime, "and pears");
    expect(await ask(runtime, "what did I say?")).toEqual({ text: "you said: remember apples | and pears" });
    expect(await ask(runtime, "what did I say?", { sessionKey: "agent:main:imessage:group:7" })).toEqual({
      text: "you said nothing",
    });
    expect(fixture.events("session/new")).toHaveLength(2);
    expect(new Set(fixture.events().map((event) => event.pid)).size).toBe(1);
  });

  it("talks to an agent that prints a non-JSON banner on stdout first", async () => {
    const runtime = start({ command: fixture.command({ banner: true }) });
    expect(await ask(runtime, "still fine")).toEqual({ text: "echo: still fine" });
  });

  it("keeps the chunks of concurrent turns of different sessions apart", async () => {
    const runtime = start();
    const replies = await Promise.all([
      ask(runtime, "alpha beta gamma delta"),
      ask(runtime, "one two three four", { sessionKey: "agent:main:imessage:group:7" }),
    ]);
    expect(replies).toEqual([{ text: "echo: alpha beta gamma delta" }, { text: "echo: one two three four" }]);
  });

  it("gives each session its own workspace under the state dir", async () => {
    const runtime = start();
    await ask(runtime, "hi");
    const cwd = fixture.events("session/new")[0]?.cwd ?? "";
    expect(cwd.startsWith(join(fixture.directory, "acp", "fixture-"))).toBe(true);
    expect(existsSync(cwd)).toBe(true);
  });

  it("opens a session in its own directory when one is given for its key", async () => {
    const runtime = start({
      sessionCwd: (sessionKey) => (sessionKey === "bound" ? join(fixture.directory, "repo") : undefined),
      cwd: fixture.directory,
    });
    await ask(runtime, "hi", { sessionKey: "bound" });
    await ask(runtime, "hi", { sessionKey: "other" });
    expect(fixture.events("session/new").map((event) => event.cwd)).toEqual([
      join(fixture.directory, "repo"),
      fixture.directory,
    ]);
  });

  it("starts a fresh session in place on reset", async () => {
    const store = createMemoryAcpSessionStore();
    const runtime = start({ sessionStore: store });
    await ask(runtime, "remember apples");
    const before = store.entries.get("agent:main:main");
    await runtime.reset("agent:main:main");
    expect(store.entries.has("agent:main:main")).toBe(false);
    expect(await ask(runtime, "what did I say?")).toEqual({ text: "you said nothing" });
    expect(store.entries.get("agent:main:main")).not.toBe(before);
    expect(fixture.events("session/new")).toHaveLength(2);
    expect(fixture.events("session/close").map((event) => event.sessionId)).toEqual([before]);
  });

  it("reloads the stored session with session/load after a gateway restart", async () => {
    const store = createMemoryAcpSessionStore();
    const first = start({ sessionStore: store, load: true });
    await ask(first, "remember apples");
    const sessionId = store.entries.get("agent:main:main");
    await first.close();

    const second = start({ sessionStore: store, load: true });
    // The fixture replays history while loading: none of it may leak into this reply.
    expect(await ask(second, "what did I say?")).toEqual({ text: "you said: remember apples" });
    expect(fixture.events("session/load").map((event) => event.sessionId)).toEqual([sessionId]);
    expect(fixture.events("session/new")).toHaveLength(1);
    expect((await second.status("agent:main:main")).sessionId).toBe(sessionId);
  });

  it("starts fresh and says so when the agent cannot load sessions", async () => {
    const store = createMemoryAcpSessionStore();
    const first = start({ sessionStore: store });
    await ask(first, "remember apples");
    await first.close();

    const second = start({ sessionStore: store });
    const reply = await ask(second, "what did I say?");
    expect(reply?.text).toBe("(New fixture session: the agent cannot resume the previous one.)\n\nyou said nothing");
    expect(fixture.events("session/load")).toHaveLength(0);
    expect(await ask(second, "what did I say?")).toEqual({ text: "you said: what did I say?" });
  });

  it("starts fresh with a notice when the stored session is unknown to the agent", async () => {
    const store = createMemoryAcpSessionStore();
    store.set("agent:main:main", "fixture-gone");
    const runtime = start({ sessionStore: store, load: true });
    const reply = await ask(runtime, "hello");
    expect(reply?.text).toMatch(/^\(New fixture session: the previous one could not be resumed: .+\)\n\necho: hello$/);
    expect(store.entries.get("agent:main:main")).not.toBe("fixture-gone");
  });

  it("starts a new session for every turn in oneshot mode", async () => {
    const store = createMemoryAcpSessionStore();
    const runtime = start({ mode: "oneshot", sessionStore: store });
    await ask(runtime, "remember apples");
    expect(await ask(runtime, "what did I say?")).toEqual({ text: "you said nothing" });
    const created = fixture.events("session/new").map((event) => event.sessionId);
    expect(created).toHaveLength(2);
    expect(store.entries.size).toBe(0);
    await waitFor("both sessions closed", () => fixture.events("session/close").length === 2);
    expect(fixture.events("session/close").map((event) => event.sessionId)).toEqual(created);
  });

  it("denies permission requests by default", async () => {
    const runtime = start();
    expect(await ask(runtime, "please use tool edit")).toEqual({
      text: "Checking with the edit tool.\n\npermission no-once",
    });
    expect(fixture.events("permission-answered")).toMatchObject([{ kind: "edit", outcome: "no-once" }]);
  });

  it("allows permission requests whose tool kind is allow-listed, once", async () => {
    const runtime = start({ permissions: { allowKinds: ["read", "search"] } });
    expect((await ask(runtime, "use tool read"))?.text).toBe("Checking with the read tool.\n\npermission yes-once");
    expect((await ask(runtime, "use tool execute"))?.text).toBe(
      "Checking with the execute tool.\n\npermission no-once",
    );
  });

  it("cancels a turn that runs past its timeout and says so", async () => {
    const runtime = start({ timeoutMs: 1_000 });
    await runtime.open("agent:main:main"); // the deadline is for the prompt here, not for starting node
    const error = await failure(ask(runtime, "hang on"));
    expect(AgentError.isInstance(error) && error.code).toBe("AGENT_TIMEOUT");
    expect(String(error)).toContain("did not finish the turn within 1000 ms and was cancelled (session/cancel)");
    const [prompt] = fixture.events("session/prompt");
    expect(fixture.events("session/cancel").map((event) => event.sessionId)).toEqual([prompt?.sessionId]);
    // The session stays usable after a cancelled turn.
    expect(await ask(runtime, "still there")).toEqual({ text: "echo: still there" });
  });

  it("cancels the turn when the gateway aborts it", async () => {
    const runtime = start();
    const controller = new AbortController();
    const running = failure(runtime.run(sampleTurn({ text: "hang on" }), controller.signal));
    await waitFor("the prompt to reach the agent", () => fixture.events("session/prompt").length > 0);
    controller.abort(new Error("gateway stopping"));
    expect(String(await running)).toContain("gateway stopping");
    expect(fixture.events("session/cancel")).toHaveLength(1);
  });

  it("fails the turn that crashed the agent clearly, then restarts it for the next turn", async () => {
    const store = createMemoryAcpSessionStore();
    const runtime = start({ sessionStore: store, load: true });
    await ask(runtime, "remember apples");
    const error = await failure(ask(runtime, "crash now"));
    expect(AgentError.isInstance(error) && error.code).toBe("AGENT_EXIT");
    expect(String(error)).toContain(
      "ACP agent fixture crashed during the turn (exited with code 1: fixture: giving up on purpose); it restarts with the next message",
    );
    expect(await ask(runtime, "what did I say?")).toEqual({ text: "you said: remember apples | crash now" });
    expect(new Set(fixture.events("initialize").map((event) => event.pid)).size).toBe(2);
    expect(fixture.events("session/load")).toHaveLength(1);
  });

  it("fails a running turn clearly when the runtime is closed", async () => {
    const runtime = start();
    const running = failure(ask(runtime, "hang on"));
    await waitFor("the prompt to reach the agent", () => fixture.events("session/prompt").length > 0);
    await runtime.close();
    expect(String(await running)).toContain(
      "ACP agent fixture was stopped during the turn because the gateway is closing it",
    );
  });

  it("tells how to log in when the agent wants authentication", async () => {
    const runtime = start({ command: fixture.command({ requireAuth: true }) });
    const error = await failure(ask(runtime, "hello"));
    expect(AgentError.isInstance(error) && error.code).toBe("AGENT_BAD_REPLY");
    expect(String(error)).toMatch(
      /ACP agent fixture could not open a session: .+; log in to fixture on the gateway host as the user the gateway runs as/,
    );
  });

  it("hands the agent's stderr lines to the gateway's log", async () => {
    const lines: string[] = [];
    const runtime = start({ onStderr: (line) => lines.push(line) });
    await failure(ask(runtime, "crash please"));
    expect(lines).toContain("fixture: giving up on purpose");
  });

  it("explains an agent command that does not start", async () => {
    const runtime = start({ command: ["/nonexistent/acp-agent"] });
    const error = await failure(ask(runtime, "hello"));
    expect(AgentError.isInstance(error) && error.code).toBe("AGENT_EXIT");
    expect(String(error)).toContain("ACP agent fixture (/nonexistent/acp-agent) could not start");
  });

  it("gives up on an agent that never answers initialize", async () => {
    const runtime = start({ command: [process.execPath, "-e", "setInterval(() => {}, 1000)"], startTimeoutMs: 300 });
    const error = await failure(ask(runtime, "hello"));
    expect(AgentError.isInstance(error) && error.code).toBe("AGENT_TIMEOUT");
    expect(String(error)).toContain("did not answer initialize within 300 ms");
  });

  it("says so when the configured cwd does not exist", async () => {
    const runtime = start({ cwd: join(fixture.directory, "missing") });
    expect(String(await failure(ask(runtime, "hello")))).toContain(
      `cwd "${join(fixture.directory, "missing")}" is not a directory; create it or fix runtime.acp.cwd`,
    );
  });

  it("stops the agent process on close", async () => {
    const runtime = start();
    await ask(runtime, "hi");
    const { pid } = await runtime.status("agent:main:main");
    expect(pid).toBeTypeOf("number");
    await runtime.close();
    expect(() => process.kill(pid as number, 0)).toThrow();
  });
});
