import { errorMessage } from "@imessage-channel/kit";
import type { AcpProcess } from "./acp-process.ts";
import type { AcpSessionStore } from "./session-store.ts";

export type AcpMode = "persistent" | "oneshot";

/** An ACP session open in one agent process, for one session key. */
export interface OpenSession {
  sessionId: string;
  process: AcpProcess;
  /** True once a prompt went to it (or it was resumed): the system prompt goes only with the first. */
  prompted: boolean;
  /** Said once, before the first reply of a session that could not be resumed. */
  notice: string | undefined;
}

export interface AcpSessionTableOptions {
  agent: string;
  mode: AcpMode;
  /** Where persistent session ids outlive the process (and the gateway). */
  store: AcpSessionStore;
  /** The working directory of a session key's session. */
  cwdOf(sessionKey: string): Promise<string>;
}

/** Which ACP session each session key talks to. */
export interface AcpSessionTable {
  /**
   * The session of `sessionKey` in `agentProcess`: the one open there, the one being opened (concurrent callers
   * share one open), or a new one — resumed with `session/load` when stored and the agent can. Persistent mode
   * keeps it for the next turn and stores its id; oneshot mode keeps nothing.
   */
  sessionFor(sessionKey: string, agentProcess: AcpProcess): Promise<OpenSession>;
  /** The id status shows: the open session's when it lives in `live`, else the stored one. */
  sessionIdOf(sessionKey: string, live: AcpProcess | undefined): Promise<string | undefined>;
  /** Closes the key's session in the agent and forgets its stored id, so the next turn starts a new one. */
  reset(sessionKey: string): Promise<void>;
  /** Forgets every open session (their process is going away). */
  clear(): void;
}

export function createAcpSessionTable(options: AcpSessionTableOptions): AcpSessionTable {
  const { agent, mode, store } = options;
  const sessions = new Map<string, OpenSession>();
  const opening = new Map<string, Promise<OpenSession>>();

  const openSession = async (sessionKey: string, agentProcess: AcpProcess): Promise<OpenSession> => {
    const cwd = await options.cwdOf(sessionKey);
    if (mode === "oneshot") {
      return {
        sessionId: await agentProcess.newSession(cwd),
        process: agentProcess,
        prompted: false,
        notice: undefined,
      };
    }
    const stored = await store.get(sessionKey);
    let notice: string | undefined;
    if (stored) {
      if (agentProcess.capabilities.loadSession) {
        try {
          await agentProcess.loadSession(stored, cwd);
          return { sessionId: stored, process: agentProcess, prompted: true, notice: undefined };
        } catch (error) {
          notice = `(New ${agent} session: the previous one could not be resumed: ${errorMessage(error)}.)`;
        }
      } else {
        notice = `(New ${agent} session: the agent cannot resume the previous one.)`;
      }
    }
    const sessionId = await agentProcess.newSession(cwd);
    await store.set(sessionKey, sessionId);
    return { sessionId, process: agentProcess, prompted: false, notice };
  };

  return {
    async sessionFor(sessionKey, agentProcess) {
      const known = sessions.get(sessionKey);
      if (known && known.process === agentProcess) return known;
      const pending = opening.get(sessionKey);
      if (pending) return pending;
      const opened = openSession(sessionKey, agentProcess)
        .then((session) => {
          // Kept before `opening` lets go of it, so a reset waiting on this open finds it and closes it.
          if (mode === "persistent") sessions.set(sessionKey, session);
          return session;
        })
        .finally(() => opening.delete(sessionKey));
      opening.set(sessionKey, opened);
      return opened;
    },

    async sessionIdOf(sessionKey, live) {
      const open = sessions.get(sessionKey);
      return open && open.process === live ? open.sessionId : await store.get(sessionKey);
    },

    async reset(sessionKey) {
      // A session still being opened would be kept and stored after this reset, undoing it: wait for it first.
      await opening.get(sessionKey)?.catch(() => undefined);
      const open = sessions.get(sessionKey);
      sessions.delete(sessionKey);
      if (open) await open.process.closeSession(open.sessionId);
      await store.set(sessionKey, null);
    },

    clear() {
      sessions.clear();
    },
  };
}
