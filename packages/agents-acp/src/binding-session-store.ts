import type { AcpBindingStore, MetaStore } from "@imessage-channel/state";
import { type AcpSessionStore, createMemoryAcpSessionStore } from "./session-store.ts";

export interface BindingKey {
  accountId: string;
  conversationKey: string;
}

/**
 * Keeps ACP session ids on the conversation bindings of the state dir (`acp_bindings.session_id`), so a
 * bound conversation resumes its session after a gateway restart. `bindingOf` maps a session key to the
 * binding it belongs to (default: the `acp:<accountId>:<conversationKey>` keys of `acpSessionKey`); session
 * keys without a binding (an ACP agent routed to like any other, or a configured binding) go to `unbound`,
 * e.g. `createMetaAcpSessionStore` to survive restarts too. Setting `null` forgets the id and keeps the binding.
 */
export function createBindingSessionStore(
  bindings: AcpBindingStore,
  bindingOf: (sessionKey: string) => BindingKey | undefined = parseAcpSessionKey,
  unbound: AcpSessionStore = createMemoryAcpSessionStore(),
): AcpSessionStore {
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

/** The session key of a bound conversation: `acp:<accountId>:<conversationKey>`. */
export function acpSessionKey(binding: BindingKey): string {
  return `acp:${binding.accountId}:${binding.conversationKey}`;
}

/** The binding a session key of `acpSessionKey` names; undefined for any other session key. */
export function parseAcpSessionKey(sessionKey: string): BindingKey | undefined {
  const match = /^acp:([^:]+):(.+)$/.exec(sessionKey);
  return match ? { accountId: match[1] as string, conversationKey: match[2] as string } : undefined;
}

/**
 * Session ids in the state dir's meta table under `acp-session:<namespace>:<sessionKey>` (namespace: the
 * agent id), for persistent sessions that have no binding row, such as configured bindings.
 */
export function createMetaAcpSessionStore(
  meta: Pick<MetaStore, "getMeta" | "setMeta" | "deleteMeta">,
  namespace: string,
): AcpSessionStore {
  const keyOf = (sessionKey: string) => `acp-session:${namespace}:${sessionKey}`;
  return {
    get: (sessionKey) => meta.getMeta(keyOf(sessionKey)),
    set(sessionKey, sessionId) {
      if (sessionId === null) meta.deleteMeta(keyOf(sessionKey));
      else meta.setMeta(keyOf(sessionKey), sessionId);
    },
  };
}
