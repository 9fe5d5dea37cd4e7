import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleTurn } from "@imessage-channel/agents/test-support";
import { openStateStore, type StateStore } from "@imessage-channel/state";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AcpAgentRuntime } from "./acp-agent.ts";
import { type AcpAgentEntry, createAcpRuntimeFactory } from "./acp-runtime-factory.ts";
import { acpSessionKey } from "./binding-session-store.ts";
import { type AcpFixture, createAcpFixture } from "./test-support/acp-fixture.ts";

let fixture: AcpFixture;
let stateDir: string;
let state: StateStore;
const runtimes: AcpAgentRuntime[] = [];

beforeEach(async () => {
  fixture = await createAcpFixture();
  stateDir = await mkdtemp(join(tmpdir(), "acp-factory-"));
  state = openStateStore({ stateDir });
});

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((runtime) => runtime.close()));
  state.close();
  await Promise.all([fixture.cleanup(), rm(stateDir, { recursive: true, force: true })]);
});

function build(): AcpAgentRuntime {
  const entry: AcpAgentEntry = {
    id: "codex",
    runtime: {
      type: "acp",
      acp: { agent: "codex", backend: "acpx", mode: "persistent", command: fixture.command({ load: true }) },
    },
  };
  const runtime = createAcpRuntimeFactory({ stateDir, bindings: state.bindings, meta: state.meta })(entry);
  runtimes.push(runtime);
  return runtime;
}

const ask = (runtime: AcpAgentRuntime, sessionKey: string, text: string) =>
  runtime.run(sampleTurn({ sessionKey, text }), new AbortController().signal).then((reply) => reply?.text);

describe("ACP runtime factory", () => {
  it("resumes configured-binding sessions (meta table) and bound conversations (binding row) after a restart", async () => {
    const bound = { accountId: "default", conversationKey: "+15555550123" };
    state.bindings.setBinding({ ...bound, agentId: "codex" });
    const first = build();
    await ask(first, "agent:codex:imessage:group:123", "remember apples");
    await ask(first, acpSessionKey(bound), "remember pears");
    expect(state.bindings.getBinding(bound)?.sessionId).toMatch(/^fixture-/);
    await first.close();

    const second = build();
    expect(await ask(second, "agent:codex:imessage:group:123", "what did I say?")).toBe("you said: remember apples");
    expect(await ask(second, acpSessionKey(bound), "what did I say?")).toBe("you said: remember pears");
    expect(fixture.events("session/load")).toHaveLength(2);
  });

  it("names the agent's config key for a bad permission kind", () => {
    const factory = createAcpRuntimeFactory({ stateDir, bindings: state.bindings, meta: state.meta });
    expect(() =>
      factory({
        id: "codex",
        runtime: { type: "acp", acp: { agent: "codex", permissions: { allowKinds: ["everything"] } } },
      }),
    ).toThrow('agents.list[id=codex].runtime.acp.permissions.allowKinds: "everything" is not one of');
  });
});
