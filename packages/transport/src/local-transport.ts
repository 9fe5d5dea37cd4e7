import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { basename } from "node:path";
import { expandHome } from "@imessage-channel/kit";
import { ExitRecord } from "./exit-record.ts";
import { LineFramer } from "./line-framer.ts";
import type { Transport, TransportEvents, TransportExit } from "./transport.ts";
import { TransportError } from "./transport-error.ts";
import { writeLineTo } from "./write-line.ts";

export interface LocalTransportOptions {
  /** The `imsg` binary or any stdio wrapper script; a leading `~` is expanded, a bare name is looked up on PATH. */
  cliPath: string;
  /** Arguments, e.g. `["rpc", "--db", dbPath]`. Passed as an argv array, never through a shell. */
  args?: readonly string[];
  /** Environment of the child (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the child. */
  cwd?: string;
  /** Longest stdout line kept (default 16 MiB); longer ones are discarded with a `warning`. */
  maxLineBytes?: number;
  /** How long close() waits after ending stdin before SIGTERM (default 2000 ms). */
  closeGraceMs?: number;
  /** How long close() waits after SIGTERM before SIGKILL (default 2000 ms). */
  terminateGraceMs?: number;
}

/** Waiting this long for stdout/stderr to close after the child exited covers grandchildren that hold them open. */
const streamCloseAfterExitMs = 1000;

/** Runs `imsg` (or a wrapper) as a local child process and frames its stdout into lines. */
export class LocalTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly #options: LocalTransportOptions;
  readonly #file: string;
  #child: ChildProcessWithoutNullStreams | undefined;
  #started = false;
  readonly #end = new ExitRecord();
  /** For writeLineTo, which names the peer only in an error. */
  readonly #describe = (): string => this.description;

  constructor(options: LocalTransportOptions) {
    super();
    this.#options = options;
    this.#file = expandHome(options.cliPath);
  }

  get description(): string {
    const command = [basename(this.#file), ...(this.#options.args ?? [])].join(" ");
    return this.#child?.pid === undefined ? command : `${command} (pid ${this.#child.pid})`;
  }

  get running(): boolean {
    return this.#child !== undefined && this.#end.exit === undefined;
  }

  /** The exit once it happened, else undefined. */
  get exitInfo(): TransportExit | undefined {
    return this.#end.exit;
  }

  start(): Promise<void> {
    if (this.#started) {
      return Promise.reject(
        new TransportError(
          "ALREADY_STARTED",
          `${this.description}: start() was already called; create a new transport to restart`,
        ),
      );
    }
    this.#started = true;
    const child = spawn(this.#file, [...(this.#options.args ?? [])], {
      stdio: ["pipe", "pipe", "pipe"],
      env: this.#options.env,
      cwd: this.#options.cwd,
      windowsHide: true,
    });
    const framer = new LineFramer({
      maxLineBytes: this.#options.maxLineBytes,
      onLine: (line) => this.emit("line", line),
      onWarning: (message) => this.emit("warning", `${this.description}: ${message}`),
    });
    child.stdout.on("data", (chunk: Buffer) => framer.push(chunk));
    child.stdout.on("end", () => framer.end());
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => this.emit("stderr", text));
    // EPIPE after the child died surfaces through writeLine() and the exit event; never crash the process.
    child.stdin.on("error", () => {});

    return new Promise<void>((resolve, reject) => {
      child.once("spawn", () => {
        this.#child = child;
        resolve();
      });
      child.on("error", (error: NodeJS.ErrnoException) => {
        if (this.#child !== undefined) return; // errors after spawn (kill failures) end in 'close' anyway
        const failure = spawnFailure(this.#options.cliPath, this.#file, error);
        this.#finish({ code: null, signal: null, reason: failure.message });
        reject(failure);
      });
      child.once("exit", () => {
        const timer = setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
        }, streamCloseAfterExitMs);
        timer.unref();
        child.once("close", () => clearTimeout(timer));
      });
      // 'close' comes after stdout ended, so every line is emitted before the exit event.
      child.once("close", (code, signal) => {
        if (this.#child === undefined) return;
        this.#finish({ code, signal, reason: exitReason(this.description, code, signal) });
      });
    });
  }

  writeLine(line: string): Promise<void> {
    const child = this.#child;
    if (child === undefined || this.#end.exit !== undefined) {
      return Promise.reject(
        new TransportError("NOT_RUNNING", `${this.description}: cannot write, the process is not running`),
      );
    }
    return writeLineTo(child.stdin, line, this.#describe);
  }

  /** Ends stdin (EOF) without waiting: for one-shot commands that read nothing. */
  endInput(): void {
    this.#child?.stdin.end();
  }

  async close(): Promise<TransportExit> {
    const child = this.#child;
    if (child === undefined || this.#end.exit !== undefined) {
      return this.#end.exit ?? { code: null, signal: null, reason: `${this.description}: never started` };
    }
    const closeGraceMs = this.#options.closeGraceMs ?? 2000;
    const terminateGraceMs = this.#options.terminateGraceMs ?? 2000;
    child.stdin.end();
    if (await this.#end.endsWithin(closeGraceMs)) return this.#end.exited;
    child.kill("SIGTERM");
    if (await this.#end.endsWithin(terminateGraceMs)) return this.#end.exited;
    child.kill("SIGKILL");
    return this.#end.exited;
  }

  #finish(exit: TransportExit): void {
    if (this.#end.finish(exit)) this.emit("exit", exit);
  }
}

function spawnFailure(configured: string, file: string, error: NodeJS.ErrnoException): TransportError {
  if (error.code === "ENOENT") {
    return new TransportError(
      "CLI_NOT_FOUND",
      `imsg not found at "${file}"${configured === file ? "" : ` (from "${configured}")`}: install imsg or set channels.imessage.cliPath to its path or to an SSH wrapper script`,
      { cause: error },
    );
  }
  if (error.code === "EACCES" || error.code === "EISDIR" || error.code === "ENOEXEC") {
    return new TransportError(
      "CLI_NOT_EXECUTABLE",
      `imsg at "${file}" cannot be executed (${error.code}): run chmod +x on it (a script needs a #! line) or set channels.imessage.cliPath`,
      { cause: error },
    );
  }
  return new TransportError("SPAWN_FAILED", `could not start "${file}": ${error.message}`, { cause: error });
}

function exitReason(description: string, code: number | null, signal: string | null): string {
  if (signal !== null) return `${description} was killed by ${signal}`;
  // 127 from a wrapper script is the shell's "command not found", most often imsg missing on the far side.
  const hint =
    code === 127 ? " (command not found: check the path inside the wrapper script, or imsg on the remote Mac)" : "";
  return `${description} exited with code ${code}${hint}`;
}
