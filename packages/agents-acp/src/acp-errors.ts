import { AgentError } from "@imessage-channel/agents";
import { errorMessage } from "@imessage-channel/kit";
import { type AcpProcess, type AcpProcessExit, formatExit } from "./acp-process.ts";

/*
 * The failures of an ACP runtime's turns. Each is an `AgentError` (the pipeline branches on its code and
 * `retryable` only), none retryable: an ACP agent that fails a turn is either broken or restarted with the next one.
 */

/** A turn or `open` after `close()`: the runtime never starts its agent again. */
export class AcpRuntimeClosedError extends AgentError {
  readonly agent: string;

  constructor(agent: string) {
    super(
      "AGENT_EXIT",
      `ACP agent ${agent} is closed: its runtime was stopped (as the gateway does when it stops) and does not start the agent again; create a new runtime to talk to it`,
      { retryable: false },
    );
    this.agent = agent;
  }
}

/** The configured `cwd` is missing: spawn would report it as a missing program, so it is checked first. */
export class AcpCwdMissingError extends AgentError {
  readonly agent: string;
  readonly cwd: string;

  constructor(agent: string, cwd: string) {
    super("AGENT_EXIT", `ACP agent ${agent}: cwd "${cwd}" is not a directory; create it or fix runtime.acp.cwd`, {
      retryable: false,
    });
    this.agent = agent;
    this.cwd = cwd;
  }
}

/** The agent process ended during a turn: it crashed, or `close()` stopped it (`closing`). */
export class AcpAgentExitError extends AgentError {
  readonly agent: string;
  readonly exit: AcpProcessExit;
  readonly closing: boolean;

  constructor(agent: string, exit: AcpProcessExit, options: { closing: boolean; cause?: unknown }) {
    super(
      "AGENT_EXIT",
      options.closing
        ? `ACP agent ${agent} was stopped during the turn because the gateway is closing it`
        : `ACP agent ${agent} crashed during the turn (${formatExit(exit)}); it restarts with the next message`,
      { retryable: false, cause: options.cause },
    );
    this.agent = agent;
    this.exit = exit;
    this.closing = options.closing;
  }
}

/** A turn ran past `timeoutMs` during `step`; `cancelled` when its prompt got `session/cancel`. */
export class AcpTimeoutError extends AgentError {
  readonly agent: string;
  readonly step: string;
  readonly timeoutMs: number;
  readonly cancelled: boolean;

  constructor(agent: string, step: string, timeoutMs: number, options: { cancelled: boolean }) {
    const cancelled = options.cancelled ? " and was cancelled (session/cancel)" : "";
    super(
      "AGENT_TIMEOUT",
      `ACP agent ${agent} did not ${step} within ${timeoutMs} ms${cancelled}: raise the agent's timeoutMs or ask for less`,
      { retryable: false },
    );
    this.agent = agent;
    this.step = step;
    this.timeoutMs = timeoutMs;
    this.cancelled = options.cancelled;
  }
}

/** -32000: the ACP error for "authentication required". */
const authRequiredCode = -32000;

/** The running agent answered a request with an error; `authRequired` when it wants a login first. */
export class AcpRequestError extends AgentError {
  readonly agent: string;
  /** What the agent did, e.g. `rejected the prompt`. */
  readonly request: string;
  readonly authRequired: boolean;

  constructor(agent: string, request: string, cause: unknown) {
    const authRequired = wireCodeOf(cause) === authRequiredCode;
    const hint = authRequired
      ? `; log in to ${agent} on the gateway host as the user the gateway runs as, or set its API key in the environment the gateway starts with (the agent inherits it)`
      : "";
    super("AGENT_BAD_REPLY", `ACP agent ${agent} ${request}: ${errorMessage(cause)}${hint}`, {
      retryable: false,
      cause,
    });
    this.agent = agent;
    this.request = request;
    this.authRequired = authRequired;
  }
}

/** How long a failed request waits for the process's exit before taking the failure for the agent's answer. */
const exitWaitMs = 200;

/**
 * The one seam that turns a failed ACP request into the turn's error. When the process died, the connection
 * fails its pending requests with a generic error: that is the crash, reported as such. Our own errors pass.
 */
export async function requestFailure(
  agentProcess: Pick<AcpProcess, "exited">,
  context: { agent: string; request: string; closing: () => boolean },
  error: unknown,
): Promise<AgentError> {
  if (AgentError.isInstance(error)) return error;
  const exit = await Promise.race([
    agentProcess.exited,
    new Promise<undefined>((done) => setTimeout(() => done(undefined), exitWaitMs).unref()),
  ]);
  if (exit) return new AcpAgentExitError(context.agent, exit, { closing: context.closing(), cause: error });
  return new AcpRequestError(context.agent, context.request, error);
}

function wireCodeOf(error: unknown): unknown {
  return typeof error === "object" && error !== null && "code" in error ? error.code : undefined;
}
