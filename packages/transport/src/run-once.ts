import { LocalTransport, type LocalTransportOptions } from "./local-transport.ts";
import { SshTransport, type SshTransportOptions } from "./ssh-transport.ts";
import { TransportError } from "./transport-error.ts";

interface RunOnceCommon {
  /** Arguments after the imsg command, e.g. `["status", "--json"]`, `["rpc", "--help"]`, `["--version"]`. */
  args: readonly string[];
  /** Kill the command when it has not exited by then (default 10000 ms). */
  timeoutMs?: number;
}

export type RunOnceOptions =
  | (RunOnceCommon & { transport: "local" } & Omit<LocalTransportOptions, "args" | "closeGraceMs" | "terminateGraceMs">)
  | (RunOnceCommon & { transport: "ssh" } & Omit<SshTransportOptions, "args" | "closeGraceMs" | "terminateGraceMs">);

export interface RunOnceResult {
  /** Exit code, or null when killed by a signal or the connection dropped. */
  code: number | null;
  signal: string | null;
  /** stdout as its lines, each followed by `\n` (line terminators normalised). */
  stdout: string;
  stderr: string;
}

/** A timed-out one-shot run: the child was killed; what it printed so far is kept for the log. */
export class RunTimeoutError extends TransportError {
  readonly stdout: string;
  readonly stderr: string;

  constructor(message: string, stdout: string, stderr: string) {
    super("RUN_TIMEOUT", message);
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/**
 * Runs one imsg command to completion over either transport with stdin closed, e.g. `status --json`.
 * Start failures reject with the transport's typed error; a run past `timeoutMs` is killed and rejects with `RUN_TIMEOUT`.
 */
export async function runOnce(options: RunOnceOptions): Promise<RunOnceResult> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const graces = { closeGraceMs: 0, terminateGraceMs: 1000 };
  const transport =
    options.transport === "ssh"
      ? new SshTransport({ ...options, ...graces })
      : new LocalTransport({ ...options, ...graces });
  let stdout = "";
  let stderr = "";
  transport.on("line", (line) => {
    stdout += `${line}\n`;
  });
  transport.on("stderr", (text) => {
    stderr += text;
  });
  transport.on("warning", (message) => {
    stderr += `${message}\n`;
  });
  const exited = new Promise<Awaited<ReturnType<typeof transport.close>>>((resolve) => transport.once("exit", resolve));
  await transport.start();
  transport.endInput();

  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const outcome = await Promise.race([exited, timedOut]);
  clearTimeout(timer);
  if (outcome === "timeout") {
    await transport.close();
    throw new RunTimeoutError(
      `${transport.description} did not finish within ${timeoutMs} ms and was killed; imsg may be waiting for a macOS permission prompt (Full Disk Access / Automation) on the Mac`,
      stdout,
      stderr,
    );
  }
  return { code: outcome.code, signal: outcome.signal, stdout, stderr };
}
