import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import {
  type LoopbackServer,
  type RecordedRequest,
  sendJson,
  startLoopbackServer,
  waitFor,
} from "@imessage-channel/agents/test-support";
import {
  createChatDb,
  type InjectedMessage,
  type InjectOptions,
  inject,
  type ProtocolErrorRecord,
  readProtocolErrorLog,
  simBinPath,
} from "@imessage-channel/imsg-sim";
import type { TestSshd } from "@imessage-channel/test-sshd";

/** What the gateway sent into a chat.db (any account's), with the identifier of the chat each row went to. */
export function sentByChat(dbPath: string): Array<{ chat: string; text: string }> {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return database
      .prepare(
        `SELECT c.chat_identifier AS chat, IFNULL(m.text, '') AS text FROM message m
         JOIN chat_message_join j ON j.message_id = m.ROWID JOIN chat c ON c.ROWID = j.chat_id
         WHERE m.is_from_me = 1 ORDER BY m.ROWID`,
      )
      .all() as Array<{ chat: string; text: string }>;
  } finally {
    database.close();
  }
}

export const gatewayBinPath = fileURLToPath(new URL("../../bin/imessage-channel.js", import.meta.url));

export interface SentRow {
  rowid: number;
  chatId: number;
  text: string;
}

export type AgentHandler = (
  turn: Record<string, unknown>,
  response: ServerResponse,
  request: RecordedRequest,
) => void | Promise<void>;

/** Replies to every turn with `echo: <text>`. */
export const echoHandler: AgentHandler = (turn, response) =>
  sendJson(response, 200, { text: `echo: ${String(turn.text)}` });

export interface HarnessOptions {
  /** The `channels.imessage` block (cliPath and dbPath are filled in). */
  channel?: Record<string, unknown>;
  /** Extra top-level config keys (agents are set to the webhook agent unless given). */
  config?: Record<string, unknown>;
  agent?: AgentHandler;
  /** Extra flags for the imsg-sim wrapper, e.g. ["--platform", "linux"]. */
  simArgs?: string[];
  /** The gateway's log level (default `debug`, so tests can wait for any line). */
  logLevel?: string;
  /**
   * The imsg release the simulated Mac plays (default: the suite's, `IMSG_SIM_VERSION`, else 0.15.10); an
   * `--imsg-version` in `simArgs` wins.
   */
  imsgVersion?: string;
  /**
   * Requests the sim refused as malformed or with bad params (-32700/-32600/-32602) fail the test at `dispose`
   * unless the test provokes them on purpose (docs/testing.md, Strict contract).
   */
  allowProtocolErrors?: boolean;
}

/** The release a harness plays: `--imsg-version` of `simArgs`, else the option, else the suite's. */
function imsgVersionOf(options: HarnessOptions): string {
  const args = options.simArgs ?? [];
  const flag = args.lastIndexOf("--imsg-version");
  if (flag >= 0 && args[flag + 1]) return args[flag + 1]!;
  return options.imsgVersion ?? process.env.IMSG_SIM_VERSION ?? "0.15.10";
}

/**
 * A throwaway world for end-to-end tests: a real-schema chat.db, imsg-sim behind a wrapper script (as an
 * operator would point `cliPath` at), a webhook agent on a loopback HTTP server, a state dir and a config file;
 * the gateway itself runs as a real child process.
 */
export class GatewayHarness {
  readonly dir: string;
  readonly home: string;
  readonly dbPath: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly wrapperPath: string;
  readonly agent: LoopbackServer;
  readonly logs: string[] = [];
  readonly #extraDirs: string[] = [];
  readonly #logLevel: string;
  readonly #allowProtocolErrors: boolean;
  /** The release the simulated Mac plays. */
  readonly imsgVersion: string;
  /** The sim's `--protocol-error-log`, outside `dir` (orphaned sim commands may still write it). */
  readonly protocolErrorLogPath: string;
  readonly #rpcPidFile: string;
  readonly #faultsFile: string;
  #gateway: ChildProcess | undefined;
  #exit: Promise<number | string | null> | undefined;

  private constructor(dir: string, agent: LoopbackServer, options: HarnessOptions, logDir: string) {
    this.#logLevel = options.logLevel ?? "debug";
    this.#allowProtocolErrors = options.allowProtocolErrors ?? false;
    this.imsgVersion = imsgVersionOf(options);
    this.protocolErrorLogPath = join(logDir, "protocol-errors.jsonl");
    this.#extraDirs.push(logDir);
    this.dir = dir;
    this.home = join(dir, "home");
    this.dbPath = join(dir, "chat.db");
    this.stateDir = join(dir, "state");
    this.configPath = join(dir, "imessage-channel.json5");
    this.wrapperPath = join(dir, "imsg");
    this.#rpcPidFile = join(dir, "imsg-rpc.pid");
    this.#faultsFile = join(dir, "imsg-faults");
    this.agent = agent;
  }

  static async create(options: HarnessOptions = {}): Promise<GatewayHarness> {
    const dir = await mkdtemp(join(tmpdir(), "gateway-e2e-"));
    const handler = options.agent ?? echoHandler;
    const agent = await startLoopbackServer((request, response) => {
      // Turns are POSTs; anything else (doctor's HEAD probe) gets what a POST-only endpoint answers.
      if (request.method !== "POST") {
        response.writeHead(405, { allow: "POST" }).end();
        return;
      }
      return handler(JSON.parse(request.body), response, request);
    });
    const logDir = await mkdtemp(join(tmpdir(), "imsg-protocol-errors-"));
    const harness = new GatewayHarness(dir, agent, options, logDir);
    await mkdir(harness.home, { recursive: true });
    createChatDb(harness.dbPath);
    await harness.#writeWrapper(options.simArgs ?? []);
    await harness.writeConfig(options);
    return harness;
  }

  /** The flags every sim of this harness gets: the release it plays and where refused requests are recorded. */
  simFlags(): string[] {
    return ["--imsg-version", this.imsgVersion, "--protocol-error-log", this.protocolErrorLogPath];
  }

  /**
   * The `imsg` an operator would point `cliPath` at: imsg-sim with this harness's flags. The long-lived `imsg rpc`
   * session (not probes such as `imsg rpc --help`) records its pid and takes the flags `queueFaults` left for it.
   */
  async #writeWrapper(simArgs: readonly string[]): Promise<void> {
    const quoted = (value: string) => JSON.stringify(value);
    const flags = [...this.simFlags(), ...simArgs].map(quoted).join(" ");
    await writeFile(
      this.wrapperPath,
      [
        "#!/bin/sh",
        'faults=""',
        'case " $* " in',
        '  *" --help "*) ;;',
        '  *" rpc "*)',
        `    echo $$ > ${quoted(this.#rpcPidFile)}`,
        `    if [ -f ${quoted(this.#faultsFile)} ]; then faults=$(cat ${quoted(this.#faultsFile)}); rm -f ${quoted(this.#faultsFile)}; fi`,
        "    ;;",
        "esac",
        // $faults is unquoted on purpose: it holds flags a test wrote, split into words.
        `IMSG_SIM_DB=${quoted(this.dbPath)} exec ${quoted(process.execPath)} ${quoted(simBinPath)} "$@" ${flags} $faults`,
        "",
      ].join("\n"),
    );
    await chmod(this.wrapperPath, 0o755);
  }

  /** Fault flags for the next `imsg rpc` child only (e.g. an abrupt exit after its first notification). */
  async queueFaults(flags: string[]): Promise<void> {
    await writeFile(this.#faultsFile, flags.join(" "));
  }

  /** The pid of the latest `imsg rpc` process on "the Mac", as its wrapper recorded it. */
  async imsgPid(): Promise<number | undefined> {
    const text = await readFile(this.#rpcPidFile, "utf8").catch(() => "");
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  /** The requests the sim refused so far (-32700/-32600/-32602), oldest first. */
  protocolErrors(): ProtocolErrorRecord[] {
    return readProtocolErrorLog(this.protocolErrorLogPath);
  }

  async writeConfig(options: HarnessOptions): Promise<void> {
    const config = {
      channels: { imessage: { cliPath: this.wrapperPath, dbPath: this.dbPath, ...options.channel } },
      agents: {
        list: [
          { id: "main", default: true, runtime: { type: "webhook", url: `${this.agent.url}/turn`, timeoutMs: 10_000 } },
        ],
      },
      ...options.config,
    };
    await writeFile(this.configPath, JSON.stringify(config, null, 2));
  }

  /**
   * The `channels.imessage` keys that make "the Mac" this harness's imsg-sim reached over `sshd` (native SSH);
   * `ssh` overrides the key, port or known_hosts file.
   */
  sshChannel(sshd: TestSshd, ssh: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      transport: "ssh",
      remoteHost: `${sshd.user}@127.0.0.1`,
      remoteCliPath: this.wrapperPath,
      ssh: { port: sshd.port, identityFile: sshd.clientKeyPath, knownHostsFile: sshd.knownHostsPath, ...ssh },
    };
  }

  get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      HOME: this.home,
      IMESSAGE_CHANNEL_STATE_DIR: this.stateDir,
      IMESSAGE_CHANNEL_LOG_LEVEL: this.#logLevel,
    };
  }

  /** The running gateway's pid (undefined before `start` or after it exited). */
  get pid(): number | undefined {
    return this.#gateway?.exitCode === null && this.#gateway.signalCode === null ? this.#gateway.pid : undefined;
  }

  /** Resolves with the exit code (or signal name) of the gateway started last. */
  get exited(): Promise<number | string | null> | undefined {
    return this.#exit;
  }

  /**
   * Starts `imessage-channel gateway` and waits until it is connected. `extraEnv` reaches imsg-sim too (through
   * the wrapper), e.g. `IMSG_SIM_FAULT_DELAY_MS`. `fileSizeLimitBytes` starts it under a soft `ulimit -f` (POSIX
   * sh, 512-byte blocks): no file it writes may grow past that size — a full disk as the process sees it, no root
   * needed. Such a write fails with EFBIG and raises SIGXFSZ, which Node ignores — but write-file-atomic's
   * signal-exit re-raises it when it is the only listener; a real full disk sends no signal, so a no-op listener
   * keeps the process alive, as on a real disk. `until`: wait for this line instead (an imsg that never connects).
   */
  async start(
    extraArgs: string[] = [],
    extraEnv: NodeJS.ProcessEnv = {},
    options: { fileSizeLimitBytes?: number; until?: RegExp } = {},
  ): Promise<void> {
    const mark = this.logs.length;
    const gatewayArgs = [gatewayBinPath, "gateway", "--config", this.configPath, ...extraArgs];
    const [command, args] =
      options.fileSizeLimitBytes === undefined
        ? [process.execPath, gatewayArgs]
        : [
            "/bin/sh",
            [
              "-c",
              'ulimit -S -f "$1" && shift && exec "$@"',
              "sh",
              String(Math.ceil(options.fileSizeLimitBytes / 512)),
              process.execPath,
              "--import",
              'data:text/javascript,process.on("SIGXFSZ",()=>{})',
              ...gatewayArgs,
            ],
          ];
    const child = spawn(command, args, {
      env: { ...this.env, ...extraEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#gateway = child;
    // A signal death shows as its name (e.g. "SIGSEGV"), so a crash is not mistaken for a clean exit.
    this.#exit = new Promise((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal)));
    let buffered = "";
    const collect = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      this.logs.push(...lines.filter(Boolean));
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    if (options.until) {
      await this.waitForLog(options.until, 15_000, mark);
      return;
    }
    await this.waitForLog(/imsg stream connected/, 15_000, mark);
    await this.waitForLog(/gateway running/, 15_000, mark);
  }

  /** Writes an inbound row as Messages.app would. */
  inject(options: InjectOptions): InjectedMessage {
    return inject(this.dbPath, { home: this.home, ...options });
  }

  /** Rows we sent (is_from_me = 1), oldest first. */
  sentRows(): SentRow[] {
    const database = new DatabaseSync(this.dbPath, { readOnly: true });
    try {
      return database
        .prepare(
          `SELECT m.ROWID AS rowid, IFNULL(j.chat_id, 0) AS chatId, IFNULL(m.text, '') AS text
           FROM message m LEFT JOIN chat_message_join j ON j.message_id = m.ROWID
           WHERE m.is_from_me = 1 ORDER BY m.ROWID`,
        )
        .all() as unknown as SentRow[];
    } finally {
      database.close();
    }
  }

  /** Rows of a table in the gateway's state.db, read while the gateway runs (WAL allows it). */
  stateRows<T>(sql: string, ...params: Array<string | number>): T[] {
    const database = new DatabaseSync(join(this.stateDir, "imessage", "state.db"), { readOnly: true });
    try {
      return database.prepare(sql).all(...params) as unknown as T[];
    } finally {
      database.close();
    }
  }

  /** Waits until the gateway settled (committed in its journal) every one of these rows. */
  async waitSettled(guids: readonly string[], what: string, timeoutMs = 15_000): Promise<void> {
    await waitFor(
      what,
      () => {
        const committed = new Set(
          this.stateRows<{ guid: string }>("SELECT guid FROM inbound_journal WHERE state = 'committed'").map(
            (row) => row.guid,
          ),
        );
        return guids.every((guid) => committed.has(guid));
      },
      timeoutMs,
    );
  }

  /** Runs a read-only query against the chat.db (e.g. reaction rows, read flags). */
  query<T>(sql: string, ...params: Array<string | number>): T[] {
    const database = new DatabaseSync(this.dbPath, { readOnly: true });
    try {
      return database.prepare(sql).all(...params) as unknown as T[];
    } finally {
      database.close();
    }
  }

  /** Turns the webhook agent received. */
  turns(): Array<Record<string, unknown>> {
    return this.agent.requests
      .filter((request) => request.method === "POST")
      .map((request) => JSON.parse(request.body) as Record<string, unknown>);
  }

  async waitForSent(predicate: (rows: SentRow[]) => boolean, what: string, timeoutMs = 10_000): Promise<SentRow[]> {
    return waitFor(
      what,
      () => {
        const rows = this.sentRows();
        return predicate(rows) ? rows : undefined;
      },
      timeoutMs,
    );
  }

  /** Waits for a log line matching `pattern`, looking only at lines from index `after` on. */
  async waitForLog(pattern: RegExp, timeoutMs = 10_000, after = 0): Promise<string> {
    return waitFor(
      `a log line matching ${pattern}`,
      () => this.logs.slice(after).find((line) => pattern.test(line)),
      timeoutMs,
    );
  }

  /** Runs the CLI once (e.g. `pairing approve imessage CODE`) against the same state dir; `extraEnv` reaches imsg-sim too. */
  async cli(
    args: string[],
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [gatewayBinPath, ...args], {
      env: { ...this.env, ...extraEnv },
      cwd: this.dir,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { code, stdout, stderr };
  }

  /** Stops the gateway with a signal and waits for it to exit. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | string | null> {
    if (!this.#gateway || this.#gateway.exitCode !== null) return this.#gateway?.exitCode ?? null;
    this.#gateway.kill(signal);
    return this.#exit ?? null;
  }

  /**
   * A path for imsg-sim's request log (`IMSG_SIM_REQUEST_LOG`), outside the harness's dir: orphaned sim commands of
   * a killed gateway may still append to it while the dir is removed. `dispose` removes it too.
   */
  async requestLogPath(): Promise<string> {
    const logDir = await mkdtemp(join(tmpdir(), "imsg-requests-"));
    this.#extraDirs.push(logDir);
    return join(logDir, "imsg-requests.jsonl");
  }

  /** Stops everything and removes the files; throws when the sim refused a request the test did not provoke. */
  async dispose(): Promise<void> {
    await this.stop("SIGKILL");
    await this.agent.close();
    const refused = this.#allowProtocolErrors ? [] : this.protocolErrors();
    await rm(this.dir, { recursive: true, force: true });
    // Retried: sim commands of the killed gateway may still be writing there.
    for (const extra of this.#extraDirs.splice(0))
      await rm(extra, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    if (refused.length > 0) {
      const lines = refused.map((record) => `${record.code} ${record.method ?? "(no method)"}: ${record.message}`);
      throw new Error(
        `imsg ${this.imsgVersion} refused ${refused.length} request(s) the channel sent:\n  ${lines.join("\n  ")}`,
      );
    }
  }
}
