import { setTimeout as sleep } from "node:timers/promises";
import { type ProtocolErrorSink, protocolErrorCodes } from "./protocol-error-log.ts";
import { releaseAfterResponse } from "./response-gate.ts";
import { abruptExitCode, deepLine, malformedLine, type SimFaults } from "./sim-faults.ts";

/** The line imsg writes when it cannot serialise its own answer. */
const writeFailedLine = '{"jsonrpc":"2.0","error":{"code":-32603,"message":"write failed"}}';

/**
 * stdout of `imsg-sim rpc`: one whole JSON line per write (so concurrent lanes never interleave bytes), with the
 * output faults (delays, hangs, abrupt exits, injected bad lines) applied.
 */
export class RpcOutput {
  readonly #output: { write(chunk: string): unknown };
  readonly #faults: SimFaults;
  readonly #exit: (code: number) => void;
  readonly #protocolErrors: ProtocolErrorSink | undefined;
  #notifications = 0;
  #responses = 0;

  constructor(
    output: { write(chunk: string): unknown },
    faults: SimFaults,
    exit: (code: number) => void,
    protocolErrors?: ProtocolErrorSink,
  ) {
    this.#output = output;
    this.#faults = faults;
    this.#exit = exit;
    this.#protocolErrors = protocolErrors;
  }

  #writeObject(value: unknown): void {
    let line: string;
    try {
      line = JSON.stringify(value);
    } catch {
      line = writeFailedLine;
    }
    this.#output.write(`${line}\n`);
  }

  notify(method: string, params: unknown): void {
    const faults = this.#faults;
    if (faults.silentAfterNotifications !== undefined && this.#notifications >= faults.silentAfterNotifications) return;
    this.#writeObject({ jsonrpc: "2.0", method, params });
    this.#notifications += 1;
    if (faults.exitAfterNotifications !== undefined && this.#notifications >= faults.exitAfterNotifications) {
      this.#exit(abruptExitCode);
    }
  }

  /** The bad lines the faults ask for once this many responses were written (also called at startup, with 0). */
  injectLineFaults(): void {
    const faults = this.#faults;
    const responses = this.#responses;
    if (faults.malformedLineAfterResponses === responses) this.#output.write(`${malformedLine}\n`);
    if (faults.oversizedLineAfterResponses === responses) {
      const padding = "x".repeat(Math.max(0, faults.oversizedLineBytes - 80));
      this.#writeObject({ jsonrpc: "2.0", method: "x-imsg-sim-padding", params: { padding } });
    }
    if (faults.deepLineAfterResponses === responses) this.#output.write(`${deepLine()}\n`);
  }

  /**
   * Writes a response (`id` plus `result` or `error`) to the request for `method`; synchronous unless a delay fault is
   * set. A refused request (bad JSON, bad envelope, bad params) is reported to the protocol-error sink first.
   */
  async respond(value: Record<string, unknown>, method?: string): Promise<void> {
    const faults = this.#faults;
    const error = value.error as { code?: unknown; message?: unknown } | undefined;
    if (this.#protocolErrors && typeof error?.code === "number" && protocolErrorCodes.includes(error.code)) {
      this.#protocolErrors({ code: error.code, message: String(error.message), ...(method ? { method } : {}) });
    }
    if (faults.hangAfterResponses !== undefined && this.#responses >= faults.hangAfterResponses) return;
    if (faults.responseDelayMs > 0) await sleep(faults.responseDelayMs);
    this.#writeObject({ jsonrpc: "2.0", ...value });
    // A subscription's notifications wait for its subscribe answer (docs/imsg-protocol.md, Watch on 0.10+).
    releaseAfterResponse(value.result);
    this.#responses += 1;
    this.injectLineFaults();
    if (faults.exitAfterResponses !== undefined && this.#responses >= faults.exitAfterResponses) {
      this.#exit(abruptExitCode);
    }
  }
}
