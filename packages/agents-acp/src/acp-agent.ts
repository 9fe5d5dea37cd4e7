import { createHash } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { SessionNotification, ToolKind } from "@agentclientprotocol/sdk";
import type { AgentRuntime, Reply } from "@imessage-channel/agents";
import { AgentError } from "@imessage-channel/agents";
import { errorMessage } from "@imessage-channel/kit";
import { AcpProcess, type AcpProcessExit, formatExit } from "./acp-process.ts";
import { resolveAcpAgentCommand } from "./agent-commands.ts";
import { decidePermission } from "./permission-policy.ts";
import { promptBlocksForTurn } from "./prompt-blocks.ts";
import { ReplyText } from "./reply-text.ts";
import { type AcpSessionStore, createMemoryAcpSessionStore } from "./session-store.ts";

export type AcpMode = "persistent" | "oneshot";

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

interface OpenSession {
  sessionId: string;
  process: AcpProcess;
  prompted: boolean;
  /** Said once, before the first reply of a session that could not be resumed. */
  notice: string | undefined;
}

/**
 * An Agent Client Protocol agent as a gateway runtime. One agent process serves every session key of
 * this runtime (ACP multiplexes sessions over one connection); a process that dies fails the turns it
 * was running with AGENT_EXIT and is started again on the next turn, which resumes the session with
 * `session/load` when the agent supports it.
 */
export function createAcpAgent(options: AcpAgentOptions): AcpAgentRuntime {
  const command = resolveAcpAgentCommand(options.agent, options.command);
  const mode = options.mode ?? "persistent";
  const timeoutMs = options.timeoutMs ?? 600_000;
  const cancelGraceMs = options.cancelGraceMs ?? 5_000;
  const store = options.sessionStore ?? createMemoryAcpSessionStore();
  const sessions = new Map<string, OpenSession>();
  const opening = new Map<string, Promise<OpenSession>>();
  const collectors = new Map<string, ReplyText>();
  let current: Promise<AcpProcess> | undefined;
  /** The last process that started, for status without waiting on a start in progress. */
  let started: AcpProcess | undefined;
  let closed = false;

  const onUpdate = (notification: SessionNotification) => {
    collectors.get(notification.sessionId)?.add(notification.update);
  };

  const sessionCwd = async (sessionKey: string) => {
    const own = options.sessionCwd?.(sessionKey);
    if (own) return resolve(own);
    if (options.cwd) return resolve(options.cwd);
    if (!options.stateDir) return process.cwd();
    const directory = join(resolve(options.stateDir), "acp", slug(options.agent), slug(sessionKey));
    await mkdir(directory, { recursive: true, mode: 0o700 });
    return directory;
  };

  const runningProcess = async (): Promise<AcpProcess> => {
    if (closed) throw new Error(`ACP agent ${options.agent} is closed`);
    const previous = current;
    if (previous) {
      const running = await previous.catch(() => undefined);
      if (running?.alive) return running;
      if (current !== previous) return runningProcess(); // another turn is already restarting it
    }
    const starting = (async () => {
      let cwd = process.cwd();
      if (options.cwd) {
        cwd = resolve(options.cwd);
        // spawn reports a missing cwd as a missing program: say what is really wrong.
        const isDirectory = await stat(cwd).then(
          (found) => found.isDirectory(),
          () => false,
        );
        if (!isDirectory) {
          throw new AgentError(
            "AGENT_EXIT",
            `ACP agent ${options.agent}: cwd "${cwd}" is not a directory; create it or fix runtime.acp.cwd`,
            {
              retryable: false,
            },
          );
        }
      } else if (options.stateDir) {
        cwd = join(resolve(options.stateDir), "acp");
        await mkdir(cwd, { recursive: true, mode: 0o700 });
      }
      return AcpProcess.start({
        agent: options.agent,
        command,
        cwd,
        startTimeoutMs: options.startTimeoutMs ?? 120_000,
        onStderr: options.onStderr,
        env: options.env,
        onUpdate,
        onPermission: (request) => decidePermission(request, options.permissions),
      });
    })();
    current = starting;
    void starting.then(
      (agentProcess) => {
        started = agentProcess;
      },
      () => {},
    );
    return starting;
  };

  const openSession = async (sessionKey: string, agentProcess: AcpProcess): Promise<OpenSession> => {
    const cwd = await sessionCwd(sessionKey);
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
          notice = `(New ${options.agent} session: the previous one could not be resumed: ${errorMessage(error)}.)`;
        }
      } else {
        notice = `(New ${options.agent} session: the agent cannot resume the previous one.)`;
      }
    }
    const sessionId = await agentProcess.newSession(cwd);
    await store.set(sessionKey, sessionId);
    return { sessionId, process: agentProcess, prompted: false, notice };
  };

  const sessionFor = async (sessionKey: string, agentProcess: AcpProcess): Promise<OpenSession> => {
    const known = sessions.get(sessionKey);
    if (known && known.process === agentProcess) return known;
    const pending = opening.get(sessionKey);
    if (pending) return pending;
    const opened = openSession(sessionKey, agentProcess).finally(() => opening.delete(sessionKey));
    opening.set(sessionKey, opened);
    const session = await opened;
    if (mode === "persistent") sessions.set(sessionKey, session);
    return session;
  };

  const crashError = (exit: AcpProcessExit, cause?: unknown) =>
    new AgentError(
      "AGENT_EXIT",
      closed
        ? `ACP agent ${options.agent} was stopped during the turn because the gateway is closing it`
        : `ACP agent ${options.agent} crashed during the turn (${formatExit(exit)}); it restarts with the next message`,
      { retryable: false, cause },
    );

  /** A failed request: the crash it is when the process died (the connection fails pending requests then). */
  const requestError = async (agentProcess: AcpProcess, what: string, error: unknown) => {
    if (AgentError.isInstance(error)) return error;
    const exit = await Promise.race([
      agentProcess.exited,
      new Promise<undefined>((done) => setTimeout(() => done(undefined), 200).unref()),
    ]);
    if (exit) return crashError(exit, error);
    // -32000: the ACP error for "authentication required".
    const hint =
      (error as { code?: unknown }).code === -32000
        ? `; log in to ${options.agent} on the gateway host as the user the gateway runs as, or set its API key in the environment the gateway starts with (the agent inherits it)`
        : "";
    return new AgentError("AGENT_BAD_REPLY", `ACP agent ${options.agent} ${what}: ${errorMessage(error)}${hint}`, {
      retryable: false,
      cause: error,
    });
  };

  /** The error of a turn stopped by the gateway (its own reason) or by the turn's deadline. */
  const stoppedError = (signal: AbortSignal, what: string, note = ""): unknown =>
    signal.aborted
      ? signal.reason
      : new AgentError(
          "AGENT_TIMEOUT",
          `ACP agent ${options.agent} did not ${what} within ${timeoutMs} ms${note}: raise the agent's timeoutMs or ask for less`,
          { retryable: false },
        );

  /** `work`, unless the turn is stopped first. */
  const untilStopped = <T>(work: Promise<T>, stop: AbortSignal, signal: AbortSignal, what: string): Promise<T> =>
    new Promise<T>((resolveWork, rejectWork) => {
      const onStop = () => rejectWork(stoppedError(signal, what));
      if (stop.aborted) return onStop();
      stop.addEventListener("abort", onStop, { once: true });
      work.then(resolveWork, rejectWork).finally(() => stop.removeEventListener("abort", onStop));
    });

  const openFor = async (sessionKey: string): Promise<OpenSession> => {
    const agentProcess = await runningProcess();
    return sessionFor(sessionKey, agentProcess).catch(async (error: unknown) => {
      throw await requestError(agentProcess, "could not open a session", error);
    });
  };

  const runPrompt = async (
    session: OpenSession,
    blocks: Parameters<AcpProcess["prompt"]>[1],
    signal: AbortSignal,
    stop: AbortSignal,
  ) => {
    const { process: agentProcess, sessionId } = session;
    const reply = new ReplyText();
    collectors.set(sessionId, reply);
    const stopped = new Promise<"stopped">((resolveStopped) => {
      if (stop.aborted) resolveStopped("stopped");
      stop.addEventListener("abort", () => resolveStopped("stopped"), { once: true });
    });
    const prompting = agentProcess.prompt(sessionId, blocks).then(
      (response) => ({ response }),
      (error: unknown) => ({ error }),
    );
    const crashed = agentProcess.exited.then((exit) => ({ exit }));
    try {
      const first = await Promise.race([prompting, crashed, stopped]);
      if (first === "stopped") {
        await agentProcess.cancel(sessionId);
        const grace = new Promise<void>((resolveGrace) => setTimeout(resolveGrace, cancelGraceMs).unref());
        await Promise.race([prompting, crashed, grace]);
        throw stoppedError(signal, "finish the turn", " and was cancelled (session/cancel)");
      }
      if ("exit" in first) throw crashError(first.exit);
      if ("error" in first) throw await requestError(agentProcess, "rejected the prompt", first.error);
      // Updates sent before the prompt's answer may still be in the connection's handler chain.
      await new Promise((resolveTick) => setImmediate(resolveTick));
      return { text: reply.text, stopReason: first.response.stopReason };
    } finally {
      collectors.delete(sessionId);
    }
  };

  return {
    kind: "acp",

    async run(turn, signal) {
      const stop = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
      const session = await untilStopped(openFor(turn.sessionKey), stop, signal, "start and open a session");
      const blocks = promptBlocksForTurn(turn, { firstInSession: !session.prompted });
      if (!blocks) return undefined;
      session.prompted = true;
      const { text, stopReason } = await runPrompt(session, blocks, signal, stop).finally(() => {
        if (mode === "oneshot") void session.process.closeSession(session.sessionId);
      });
      const notice = session.notice;
      session.notice = undefined;
      let answer = text.trim();
      if (!answer && stopReason === "refusal") answer = `(${options.agent} declined to answer.)`;
      if (!answer && !notice) return undefined;
      const reply: Reply = { text: notice ? (answer ? `${notice}\n\n${answer}` : notice) : answer };
      return reply;
    },

    async open(sessionKey) {
      if (mode === "oneshot") {
        await runningProcess();
        return undefined;
      }
      return (await openFor(sessionKey)).sessionId;
    },

    async reset(sessionKey) {
      const open = sessions.get(sessionKey);
      sessions.delete(sessionKey);
      if (open) await open.process.closeSession(open.sessionId);
      await store.set(sessionKey, null);
    },

    async status(sessionKey) {
      const live = started?.alive ? started : undefined;
      const open = sessions.get(sessionKey);
      return {
        agent: options.agent,
        mode,
        pid: live?.pid,
        sessionId: open && open.process === live ? open.sessionId : await store.get(sessionKey),
        loadSession: live ? Boolean(live.capabilities.loadSession) : undefined,
      };
    },

    async close() {
      closed = true;
      sessions.clear();
      const running = await current?.catch(() => undefined);
      current = undefined;
      await running?.kill();
    },
  };
}

/** A directory name for a session key: readable, and unique through a short hash. */
function slug(value: string): string {
  const readable = value
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 48);
  const hash = createHash("sha256").update(value).digest("hex").slice(0, 8);
  return `${readable || "session"}-${hash}`;
}
