import type { EventEmitter } from "node:events";

/** How a transport ended: a child that exited, an SSH session that dropped, or a failure to start. */
export interface TransportExit {
  /** Exit code of the process (local or remote), or null when it was killed or the connection dropped. */
  code: number | null;
  /** Signal name when the process was killed (e.g. "SIGKILL"), else null. */
  signal: string | null;
  /** One line for the log: what ended and why. */
  reason: string;
}

/** Events of a line transport, noun-verb named after what happened. */
export interface TransportEvents {
  /** One complete stdout line, without its line terminator. */
  line: [line: string];
  /** A chunk of stderr text (already decoded); callers usually log it. */
  stderr: [text: string];
  /** Something went wrong but the stream continues (e.g. an over-long line was discarded). */
  warning: [message: string];
  /** The process or session ended. Emitted exactly once per started transport. */
  exit: [exit: TransportExit];
}

/**
 * A bidirectional line stream to one `imsg` process, local or remote.
 * The rpc-client speaks JSON-RPC over it without knowing which one it is.
 */
export interface Transport extends EventEmitter<TransportEvents> {
  /** Human description for logs, e.g. `imsg rpc (pid 4242)` or `ssh bot@mac: imsg rpc`. Never contains secrets. */
  readonly description: string;
  /** True between a successful start() and the exit event. */
  readonly running: boolean;
  /** Starts the process or SSH session; rejects with a typed error when it cannot. */
  start(): Promise<void>;
  /** Writes one line (a newline is appended); resolves when it was handed to the OS, honouring backpressure. */
  writeLine(line: string): Promise<void>;
  /** Ends stdin, waits, then terminates (SIGTERM, then SIGKILL / channel close); resolves with the exit. */
  close(): Promise<TransportExit>;
}
