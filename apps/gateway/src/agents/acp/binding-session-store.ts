import type { AcpBindingStore } from "@imessage-channel/state";
import { type AcpSessionStore, createMemoryAcpSessionStore } from "./session-store.ts";

export interface BindingKey {
  accountId: string;
  conversationKey: string;
}

/**
 * Keeps ACP session ids on the conversation bindings of the state dir (`acp_bindings.session_id`), so a
 * bound conversation resumes its session after a gateway restart. `bindingOf` maps a session key to the
 * binding it belongs to; session keys without a binding (an ACP agent routed to like any other) keep
 * their ids in memory only. Setting `null` forgets the id and keeps the binding.
 */
export function createBindingSessionStore(
  bindings: AcpBindingStore,
  bindingOf: (sessionKey: string) => BindingKey | undefined,
): AcpSessionStore {
  const unbound = createMemoryAcpSessionStore();
  return {
    get(sessionKey) {
      const key = bindingOf(sessionKey);
      const binding = key && bindings.getBinding(key);
      if (!binding) return unbound.get(sessionKey);
      return binding.sessionId ?? undefined;
    },
    set(sessionKey, sessionId) {
      const key = bindingOf(sessionKey);
      const binding = key && bindings.getBinding(key);
      if (!binding) return unbound.set(sessionKey, sessionId);
      bindings.setBinding({ ...binding, sessionId });
    },
  };
}
