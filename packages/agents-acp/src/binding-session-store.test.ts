import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStateStore, type StateStore } from "@imessage-channel/state";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  acpSessionKey,
  createBindingSessionStore,
  createMetaAcpSessionStore,
  parseAcpSessionKey,
} from "./binding-session-store.ts";

let stateDir: string;
let state: StateStore;
const bound = { accountId: "default", conversationKey: "chat_id:123" };
const bindingOf = (sessionKey: string) => (sessionKey === "acp:default:chat_id:123" ? bound : undefined);

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "acp-binding-store-"));
  state = openStateStore({ stateDir });
});

afterEach(async () => {
  state.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe("binding-backed ACP session store", () => {
  it("keeps the session id on the binding, across a reopen of the state dir", () => {
    state.bindings.setBinding({ ...bound, agentId: "codex", label: "codex-group", mode: "persistent" });
    createBindingSessionStore(state.bindings, bindingOf).set("acp:default:chat_id:123", "session-1");
    state.close();
    state = openStateStore({ stateDir });
    expect(createBindingSessionStore(state.bindings, bindingOf).get("acp:default:chat_id:123")).toBe("session-1");
    expect(state.bindings.getBinding(bound)).toMatchObject({
      agentId: "codex",
      label: "codex-group",
      sessionId: "session-1",
    });
  });

  it("forgets the id on reset but keeps the binding", () => {
    state.bindings.setBinding({ ...bound, agentId: "codex", sessionId: "session-1" });
    createBindingSessionStore(state.bindings, bindingOf).set("acp:default:chat_id:123", null);
    expect(state.bindings.getBinding(bound)).toMatchObject({ agentId: "codex", sessionId: null });
  });

  it("keeps ids of unbound session keys in memory without creating bindings", () => {
    const store = createBindingSessionStore(state.bindings, bindingOf);
    store.set("agent:codex:main", "session-2");
    store.set("acp:default:chat_id:123", "session-3"); // its binding was closed meanwhile
    expect(store.get("agent:codex:main")).toBe("session-2");
    expect(store.get("acp:default:chat_id:123")).toBe("session-3");
    expect(state.bindings.listBindings()).toEqual([]);
  });

  it("keeps ids of configured bindings in the meta table when asked, across a reopen", () => {
    const unbound = () => createMetaAcpSessionStore(state.meta, "codex");
    createBindingSessionStore(state.bindings, bindingOf, unbound()).set("agent:codex:imessage:group:123", "session-4");
    state.close();
    state = openStateStore({ stateDir });
    const store = createBindingSessionStore(state.bindings, bindingOf, unbound());
    expect(store.get("agent:codex:imessage:group:123")).toBe("session-4");
    store.set("agent:codex:imessage:group:123", null);
    expect(state.meta.getMeta("acp-session:codex:agent:codex:imessage:group:123")).toBeUndefined();
  });

  it("names bound conversations by session key and back", () => {
    expect(acpSessionKey(bound)).toBe("acp:default:chat_id:123");
    expect(parseAcpSessionKey("acp:default:chat_id:123")).toEqual(bound);
    expect(parseAcpSessionKey("acp:work:+15555550123")).toEqual({ accountId: "work", conversationKey: "+15555550123" });
    expect(parseAcpSessionKey("agent:main:main")).toBeUndefined();
  });
});
