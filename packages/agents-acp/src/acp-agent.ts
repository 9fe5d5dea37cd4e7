import type { ToolKind } from "@agentclientprotocol/sdk";
import type { AgentRuntime } from "@imessage-channel/agents";
import { requestFailure } from "./acp-errors.ts";
import { createAcpProcessPool } from "./acp-process-pool.ts";
import { createAcpPromptRunner, turnReply } from "./acp-prompt-runner.ts";
import { type AcpMode, createAcpSessionTable, type OpenSession } from "./acp-session-table.ts";
import { sessionCwd } from "./acp-workspace.ts";
import { resolveAcpAgentCommand } from "./agent-commands.ts";
import { decidePermission } from "./permission-policy.ts";
import { promptBlocksForTurn } from "./prompt-blocks.ts";
import { type AcpSessionStore, createMemoryAcpSessionStore } from "./session-store.ts";

export type { AcpMode };

export interface AcpAgentOptions {
  /** The agent's name (`codex`, `claude`, `gemini`, `opencode`, or any name when `command` is set). */
  agent: string;
  /** argv that starts the agent over stdio; defaults to the agent's entry in `defaultAcpAgentCommands`. */
  command?: string[];
  /** `persistent` (default): one ACP session per session key across turns; `oneshot`: a session per turn. */
  mode?: AcpMode;
  /** Working directory of every session; default: a directory per session key under `stateDir`. */
  cwd?: string;
  /** A session's own working directory (e.g. a binding's `acp.cwd`); undefined falls back to `cwd`. */
  sessionCwd?: (sessionKey: string) => string | undefined;
  /** The gateway's state dir: session workspaces go to `<stateDir>/acp/<agent>/<session>` when `cwd` is unset. */
  stateDir?: string;
  env?: Record<string, string>;
  /** Permission requests are rejected unless their tool kind is listed here. */
  permissions?: { allowKinds?: ToolKind[] };
  /** How long one turn (starting the agent and opening its session included) may run before it is cancelled (default 10 minutes: coding agents are slow). */
  timeoutMs?: number;
  /** How long the agent may take to answer `initialize` (default 2 minutes: `npx` may download it first). */
  startTimeoutMs?: number;
  /** How long a cancelled turn may take to stop before the error is returned anyway. */
  cancelGraceMs?: number;
  /** Keeps ACP session ids across gateway restarts (persistent mode); default: in memory. */
  sessionStore?: AcpSessionStore;
  /** Each line the agent writes to stderr (its own logs); default: dropped, except the last one in error messages. */
  onStderr?: (line: string) => void;
  /** Accepted for config compatibility (`acpx`); the gateway is its own ACP client. */
  backend?: string;
}

export interface AcpSessionStatus {
  agent: string;
  mode: AcpMode;
  /** The agent process, when one runs. */
  pid: number | undefined;
  /** The ACP session this key talks to in the running process, or the stored one it will resume. */
  sessionId: string | undefined;
  loadSession: boolean | undefined;
}

export interface AcpAgentRuntime extends AgentRuntime {
  reset(sessionKey: string): Promise<void>;
  close(): Promise<void>;
  /** What `/acp status` shows for a session key. */
  status(sessionKey: string): Promise<AcpSessionStatus>;
  /**
   * Starts the agent and opens (or resumes) the session of `sessionKey` before any message, so `/acp spawn`
   * can say at once whether the agent runs. Resolves to the ACP session id (undefined in oneshot mode).
   */
  open(sessionKey: string): Promise<string | undefined>;
}

/**
 * An Agent Client Protocol agent as a gateway runtime. One agent process serves every session key of
 * this runtime (ACP multiplexes sessions over one connection); a process that dies fails the turns it
 * was running with AGENT_EXIT and is started again on the next turn, which resumes the session with
 * `session/load` when the agent supports it.
 */
export function createAcpAgent(options: AcpAgentOptions): AcpAgentRuntime {
  const { agent } = options;
  const command = resolveAcpAgentCommand(agent, options.command);
  const mode = options.mode ?? "persistent";
  const prompts = createAcpPromptRunner({
    agent,
    timeoutMs: options.timeoutMs ?? 600_000,
    cancelGraceMs: options.cancelGraceMs ?? 5_000,
    closing: () => pool.closed, // read only while a turn runs, long after `pool` below exists
  });
  const pool = createAcpProcessPool({
    agent,
    command,
    cwd: options.cwd,
    stateDir: options.stateDir,
    env: options.env,
    startTimeoutMs: options.startTimeoutMs ?? 120_000,
    onStderr: options.onStderr,
    onUpdate: prompts.onUpdate,
    onPermission: (request) => decidePermission(request, options.permissions),
  });
  const sessions = createAcpSessionTable({
    agent,
    mode,
    store: options.sessionStore ?? createMemoryAcpSessionStore(),
    cwdOf: (sessionKey) => sessionCwd(options, sessionKey),
  });

  const openFor = async (sessionKey: string): Promise<OpenSession> => {
    const agentProcess = await pool.running();
    return sessions.sessionFor(sessionKey, agentProcess).catch(async (error: unknown) => {
      throw await requestFailure(
        agentProcess,
        { agent, request: "could not open a session", closing: () => pool.closed },
        error,
      );
    });
  };

  return {
    kind: "acp",

    async run(turn, signal) {
      const running = prompts.turn(signal);
      const session = await running.until(openFor(turn.sessionKey), "start and open a session");
      const blocks = promptBlocksForTurn(turn, { firstInSession: !session.prompted });
      if (!blocks) return undefined;
      session.prompted = true;
      const { text, stopReason } = await running.prompt(session.process, session.sessionId, blocks).finally(() => {
        if (mode === "oneshot") void session.process.closeSession(session.sessionId);
      });
      const notice = session.notice;
      session.notice = undefined;
      return turnReply(agent, { text, stopReason, notice });
    },

    async open(sessionKey) {
      if (mode === "oneshot") {
        await pool.running();
        return undefined;
      }
      return (await openFor(sessionKey)).sessionId;
    },

    reset: (sessionKey) => sessions.reset(sessionKey),

    async status(sessionKey) {
      const live = pool.live();
      return {
        agent,
        mode,
        pid: live?.pid,
        sessionId: await sessions.sessionIdOf(sessionKey, live),
        loadSession: live ? Boolean(live.capabilities.loadSession) : undefined,
      };
    },

    async close() {
      sessions.clear();
      await pool.close();
    },
  };
}
