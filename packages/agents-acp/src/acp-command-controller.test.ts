// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleTurn } from "@imessage-channel/agents/test-support";
import { openStateStore, type StateStore } from "@imessage-channel/state";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AcpAgentRuntime, createAcpAgent } from "./acp-agent.ts";
import { type AcpCommandController, createAcpCommandController } from "./acp-command-controller.ts";
import { acpSessionKey, createBindingSessionStore } from "./binding-session-store.ts";
import { parseAcpChatCommand } from "./chat-command.ts";
import { type AcpFixture, createAcpFixture } from "./test-support/acp-fixture.ts";

let fixture: AcpFixture;
let stateDir: string;
let state: StateStore;
let runtimes: Map<string, AcpAgentRuntime>;
let controller: AcpCommandController;
let runtimeFor: (agent: string) => AcpAgentRuntime | undefined;
const group = { accountId: "default", conversationKey: "chat_id:123" };

function startGateway(): void {
  runtimes = new Map();
  runtimeFor = (agent: string) => {
    if (agent !== "fixture" && agent !== "broken") return undefined;
    let runtime = runtimes.get(agent);
    if (!runtime) {
      runtime = createAcpAgent({
        agent,
        command: agent === "broken" ? ["/nonexistent/agent"] : fixture.command({ load: true }),
        stateDir,
        sessionStore: createBindingSessionStore(state.bindings),
      });
      runtimes.set(agent, runtime);
    }
    return runtime;
  };
  controller = createAcpCommandController({ bindings: state.bindings, runtimeFor });
}

async function stopGateway(): Promise<void> {
  await Promise.all([...runtimes.values()].map((runtime) => runtime.close()));
}

const command = (text: string) =>
  controller.handle(parseAcpChatCommand(text) ?? { kind: "invalid", message: text }, group);

async function say(text: string) {
  const agentId = controller.boundAgentOf(group);
  const runtime = agentId ? runtimeFor(agentId) : undefined;
  if (!runtime) throw new Error("conversation is not bound");
  const turn = sampleTurn({ text, sessionKey: controller.sessionKeyOf(group), chat: { id: 123, isGroup: true } });
  return (await runtime.run(turn, new AbortController().signal))?.text;
}

beforeEach(async () => {
  fixture = await createAcpFixture();
  stateDir = await mkdtemp(join(tmpdir(), "acp-controller-"));
  state = openStateStore({ stateDir });
  startGateway();
});

afterEach(async () => {
  await stopGateway();
  state.close();
  await Promise.all([fixture.cleanup(), rm(stateDir, { recursive: true, force: true })]);
});

describe("ACP command controller", () => {
  it("binds the conversation on spawn, starting the session at once", async () => {
    const answer = await command("/acp spawn fixture --bind here --label reviews");
    const binding = state.bindings.getBinding(group);
    expect(binding).toMatchObject({ agentId: "fixture", label: "reviews", mode: "persistent" });
    expect(binding?.sessionId).toMatch(/^fixture-/);
    expect(answer).toBe(
      `Bound this conversation to fixture (persistent, session ${binding?.sessionId}). Messages here go to it; /acp close unbinds.`,
    );
    expect(fixture.events("session/new").map((event) => event.sessionId)).toEqual([binding?.sessionId]);
    expect(await say("hello")).toBe("echo: +15555550123: hello");
    expect(await command("/acp status")).toMatch(
      new RegExp(
        `^Bound to fixture "reviews" since .+: persistent, session ${binding?.sessionId}, agent running \\(pid \\d+\\)\\.$`,
      ),
    );
  });

  it("resumes the bound session after a gateway restart", async () => {
    await command("/acp spawn fixture --bind here");
    await say("remember apples");
    const { sessionId } = state.bindings.getBinding(group) ?? {};
    await stopGateway();
    state.close();

    state = openStateStore({ stateDir });
    startGateway();
    expect(await say("what did I say?")).toBe("you said: +15555550123: remember apples");
    expect(fixture.events("session/load").map((event) => event.sessionId)).toEqual([sessionId]);
  });

  it("starts a new session in place on /new and /reset, keeping the binding", async () => {
    await command("/acp spawn fixture --bind here");
    await say("remember apples");
    const before = state.bindings.getBinding(group)?.sessionId;
    expect(await command("/reset")).toBe("Started a new fixture session.");
    expect(state.bindings.getBinding(group)).toMatchObject({ agentId: "fixture", sessionId: null });
    expect(await say("what did I say?")).toBe("you said nothing");
    expect(state.bindings.getBinding(group)?.sessionId).not.toBe(before);
    expect(fixture.events("session/close").map((event) => event.sessionId)).toEqual([before]);
  });

  it("closes the session and removes the binding on /acp close", async () => {
    await command("/acp spawn fixture --bind here");
    const { sessionId } = state.bindings.getBinding(group) ?? {};
    expect(await command("/acp close")).toBe("Closed the fixture session; this conversation is no longer bound.");
    expect(state.bindings.getBinding(group)).toBeUndefined();
    expect(fixture.events("session/close").map((event) => event.sessionId)).toEqual([sessionId]);
    expect(await command("/acp close")).toBe("Nothing to close: this conversation is not bound to an ACP agent.");
    expect(await command("/acp status")).toContain("not bound to an ACP agent");
  });

  it("leaves /new and /reset of an unbound conversation to the routed agent", async () => {
    expect(await command("/new")).toBeUndefined();
    expect(await command("/reset")).toBeUndefined();
  });

  it("binds nothing when the agent is unknown, unbound by request, or does not start", async () => {
    expect(await command("/acp spawn mystery --bind here")).toContain('No ACP agent "mystery" on this gateway');
    expect(await command("/acp spawn fixture")).toBe(
      "Add --bind here to bind this conversation: /acp spawn fixture --bind here",
    );
    expect(await command("/acp spawn broken --bind here")).toMatch(
      /^Could not start broken, nothing is bound: ACP agent broken \(\/nonexistent\/agent\) could not start/,
    );
    expect(state.bindings.listBindings()).toEqual([]);
  });

  it("answers a malformed command with its usage", async () => {
    expect(await command("/acp spawn")).toContain("Usage: /acp spawn <agent>");
  });

  it("replaces an earlier binding, closing its session", async () => {
    await command("/acp spawn fixture --bind here --label first");
    const first = state.bindings.getBinding(group)?.sessionId;
    await command("/acp spawn fixture --bind here --label second");
    expect(state.bindings.getBinding(group)).toMatchObject({ label: "second" });
    expect(state.bindings.getBinding(group)?.sessionId).not.toBe(first);
    expect(fixture.events("session/close").map((event) => event.sessionId)).toEqual([first]);
    expect(acpSessionKey(group)).toBe("acp:default:chat_id:123");
  });
});
