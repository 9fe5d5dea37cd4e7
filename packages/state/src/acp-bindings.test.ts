import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
let time: ReturnType<typeof createManualClock>;
let store: StateStore;

beforeEach(() => {
  temporary = createTemporaryStateDir();
  time = createManualClock();
  store = openStateStore({ stateDir: temporary.stateDir, clock: time.clock });
});

afterEach(() => {
  store.close();
  temporary.remove();
});

describe("ACP bindings", () => {
  it("sets, replaces (keeping createdAt), lists and deletes a conversation's binding", () => {
    const key = { accountId: "default", conversationKey: "chat_id:123" };
    expect(store.bindings.getBinding(key)).toBeUndefined();
    store.bindings.setBinding({ ...key, agentId: "codex", label: "codex-group", sessionId: "s-1", mode: "persistent" });
    time.advance(1000);
    const replaced = store.bindings.setBinding({ ...key, agentId: "codex", sessionId: "s-2", mode: "persistent" });
    expect(replaced).toEqual({
      accountId: "default",
      conversationKey: "chat_id:123",
      agentId: "codex",
      label: null,
      sessionId: "s-2",
      mode: "persistent",
      createdAt: "2026-01-01T12:00:00.000Z",
      updatedAt: "2026-01-01T12:00:01.000Z",
    });
    store.bindings.setBinding({ accountId: "work", conversationKey: "+15555550123", agentId: "claude" });
    expect(store.bindings.listBindings().map((binding) => binding.accountId)).toEqual(["default", "work"]);
    expect(store.bindings.listBindings({ accountId: "work" })).toHaveLength(1);
    expect(store.bindings.deleteBinding(key)).toBe(true);
    expect(store.bindings.deleteBinding(key)).toBe(false);
    expect(store.bindings.getBinding(key)).toBeUndefined();
  });
});
