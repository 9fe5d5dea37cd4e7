/**
 * Where a persistent ACP runtime keeps the ACP session id of each session key, so a restarted gateway
 * can `session/load` it. The gateway backs it with the state package's ACP binding store; `null` forgets
 * the id (after `/new` or `/reset`) without removing the binding itself.
 */
export interface AcpSessionStore {
  get(sessionKey: string): string | undefined | Promise<string | undefined>;
  set(sessionKey: string, sessionId: string | null): void | Promise<void>;
}

/** A store that lives as long as the process: for tests and for agents nobody binds. */
export function createMemoryAcpSessionStore(): AcpSessionStore & { readonly entries: ReadonlyMap<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    get: (sessionKey) => entries.get(sessionKey),
    set(sessionKey, sessionId) {
      if (sessionId === null) entries.delete(sessionKey);
      else entries.set(sessionKey, sessionId);
    },
  };
}
