import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { Readable, Writable } from "node:stream";
import type {
  AgentCapabilities,
  ClientConnection,
  ContentBlock,
  PromptResponse,
  RequestPermissionRequest,
  RequestPermissionResponse,
  SessionNotification,
} from "@agentclientprotocol/sdk";
import { AgentConfigError, AgentError } from "@imessage-channel/agents";
import { errorMessage } from "@imessage-channel/kit";

export interface AcpProcessOptions {
  /** Names the agent in messages, e.g. `codex`. */
  agent: string;
  /** argv of the agent. */
  command: string[];
  cwd: string;
  env?: Record<string, string>;
  /** How long the agent may take to answer `initialize`. */
  startTimeoutMs: number;
  /** Each line the agent writes to stderr (its logs), e.g. for the gateway's debug log. */
  onStderr?: (line: string) => void;
  onUpdate(notification: SessionNotification): void;
  onPermission(request: RequestPermissionRequest): RequestPermissionResponse;
}

export interface AcpProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last line the agent wrote to stderr, for the error message. */
  detail: string;
}

/** One running ACP agent process and the client connection to it over stdio. */
export class AcpProcess {
  readonly agent: string;
  readonly pid: number | undefined;
  readonly capabilities: AgentCapabilities;
  /** Settles (never rejects) when the process is gone. */
  readonly exited: Promise<AcpProcessExit>;
  readonly #child: ChildProcess;
  readonly #connection: ClientConnection;
  #exit: AcpProcessExit | undefined;

  private constructor(init: {
    agent: string;
    child: ChildProcess;
    connection: ClientConnection;
    capabilities: AgentCapabilities;
    exited: Promise<AcpProcessExit>;
  }) {
    this.agent = init.agent;
    this.#child = init.child;
    this.pid = init.child.pid;
    this.#connection = init.connection;
    this.capabilities = init.capabilities;
    this.exited = init.exited;
    void this.exited.then((exit) => {
      this.#exit = exit;
    });
  }

  /** Spawns the agent and runs `initialize`; fails with AGENT_EXIT when it cannot start or speak ACP. */
  static async start(options: AcpProcessOptions): Promise<AcpProcess> {
    // Loaded with the first ACP agent: a gateway without one never pays for the SDK at start-up.
    const { client, ndJsonStream, PROTOCOL_VERSION } = await import("@agentclientprotocol/sdk");
    const [file, ...args] = options.command;
    if (!file) {
      throw new AgentConfigError(
        "runtime.acp.command",
        `ACP agent ${options.agent}: the launch command is empty; set runtime.acp.command to its argv, e.g. ["my-agent", "--acp"]`,
      );
    }
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
      // Its own process group, so close() also stops what an `npx` launcher started.
      detached: true,
    });
    let partialLine = "";
    let lastLine = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      const lines = (partialLine + chunk).split("\n");
      partialLine = (lines.pop() ?? "").slice(-2000);
      for (const line of lines) {
        if (!line.trim()) continue;
        lastLine = line.trim();
        options.onStderr?.(line);
      }
    });
    const stderrEnded = child.stderr ? once(child.stderr, "end").catch(() => {}) : Promise.resolve();
    child.stdin?.on("error", () => {}); // writes to a dead agent: its exit is reported instead
    const exited = new Promise<AcpProcessExit>((resolve) => {
      child.once("error", (error) => resolve({ code: null, signal: null, detail: error.message }));
      child.once("exit", async (code, signal) => {
        // The last words on stderr explain the exit; a grandchild holding the pipe must not delay it long.
        await Promise.race([stderrEnded, new Promise((done) => setTimeout(done, 100).unref())]);
        resolve({ code, signal, detail: partialLine.trim() || lastLine });
      });
    });

    const app = client({ name: "imessage-channel" })
      .onNotification("session/update", ({ params }) => options.onUpdate(params))
      .onRequest("session/request_permission", ({ params }) => options.onPermission(params));
    const connection = app.connect(
      ndJsonStream(
        Writable.toWeb(child.stdin as Writable) as WritableStream<Uint8Array>,
        Readable.toWeb(child.stdout as Readable) as ReadableStream<Uint8Array>,
      ),
    );

    // The program only: arguments of an explicit command may carry tokens.
    const describe = `ACP agent ${options.agent} (${file})`;
    const initialized = connection.agent.request("initialize", {
      protocolVersion: PROTOCOL_VERSION,
      // No file system or terminal: the agent works with its own tools, each gated by the permission policy.
      clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
      clientInfo: { name: "imessage-channel", version: "0" },
    });
    const outcome = await Promise.race([
      initialized.then(
        (response) => ({ response }),
        (error: unknown) => ({ error }),
      ),
      exited.then((exit) => ({ exit })),
      new Promise<{ timedOut: true }>((resolveTimeout) =>
        setTimeout(() => resolveTimeout({ timedOut: true }), options.startTimeoutMs).unref(),
      ),
    ]);
    const fail = (message: string, cause?: unknown, code: "AGENT_EXIT" | "AGENT_TIMEOUT" = "AGENT_EXIT") => {
      killGroup(child, "SIGKILL");
      connection.close();
      return new AgentError(code, message, { retryable: false, cause });
    };
    if ("timedOut" in outcome) {
      throw fail(
        `${describe} did not answer initialize within ${options.startTimeoutMs} ms; check that the command starts an ACP agent on stdio`,
        undefined,
        "AGENT_TIMEOUT",
      );
    }
    if ("exit" in outcome) {
      throw fail(`${describe} could not start: ${formatExit(outcome.exit)}; check that it is installed and runs`);
    }
    if ("error" in outcome) {
      throw fail(`${describe} failed to initialize: ${errorMessage(outcome.error)}`, outcome.error);
    }
    if (outcome.response.protocolVersion !== PROTOCOL_VERSION) {
      throw fail(
        `${describe} speaks ACP protocol version ${outcome.response.protocolVersion}; this gateway speaks ${PROTOCOL_VERSION}: upgrade the agent or its adapter`,
      );
    }
    return new AcpProcess({
      agent: options.agent,
      child,
      connection,
      capabilities: outcome.response.agentCapabilities ?? {},
      exited,
    });
  }

  get alive(): boolean {
    return this.#exit === undefined && !this.#connection.signal.aborted;
  }

  async newSession(cwd: string): Promise<string> {
    const response = await this.#connection.agent.request("session/new", { cwd, mcpServers: [] });
    return response.sessionId;
  }

  async loadSession(sessionId: string, cwd: string): Promise<void> {
    await this.#connection.agent.request("session/load", { sessionId, cwd, mcpServers: [] });
  }

  /** Frees the session in the agent when it supports `session/close`; a session it cannot close just stays idle. */
  async closeSession(sessionId: string): Promise<void> {
    if (!this.alive || !this.capabilities.sessionCapabilities?.close) return;
    await this.#connection.agent.request("session/close", { sessionId }).catch(() => {});
  }

  prompt(sessionId: string, prompt: ContentBlock[]): Promise<PromptResponse> {
    return this.#connection.agent.request("session/prompt", { sessionId, prompt });
  }

  async cancel(sessionId: string): Promise<void> {
    await this.#connection.agent.notify("session/cancel", { sessionId }).catch(() => {});
  }

  /** Stops the agent and everything it started; resolves once it is gone. */
  async kill(): Promise<void> {
    this.#connection.close();
    if (this.#exit === undefined && this.pid !== undefined) {
      killGroup(this.#child, "SIGTERM");
      const forced = setTimeout(() => killGroup(this.#child, "SIGKILL"), 2_000);
      await this.exited;
      clearTimeout(forced);
    }
  }
}

/** Signals the agent's process group (it runs detached), or the agent alone when the group is gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

export function formatExit(exit: AcpProcessExit): string {
  const how = exit.signal
    ? `killed by ${exit.signal}`
    : exit.code === null
      ? "did not run"
      : `exited with code ${exit.code}`;
  return exit.detail ? `${how}: ${exit.detail}` : how;
}
