import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { ImsgSimError } from "./errors.ts";
import { simBinPath } from "./sim-bin-path.ts";

export interface SimProcessOptions {
  /** Arguments after `imsg-sim`, e.g. `["rpc", "--db", path, "--platform", "linux"]`. */
  args: string[];
  /** Extra environment (e.g. `HOME` for attachment paths, `IMSG_SIM_FAULT_*`). */
  env?: NodeJS.ProcessEnv;
}

export interface RpcResponse {
  jsonrpc: "2.0";
  id?: unknown;
  result?: Record<string, unknown>;
  /** `data` is a string up to 0.13; 0.14+ sends objects for typed failures (-32001…-32004, delivery -32603). */
  error?: { code: number; message: string; data?: unknown };
}

export interface RpcNotification {
  jsonrpc: "2.0";
  method: string;
  params: Record<string, unknown>;
}

/**
 * A spawned `imsg-sim` speaking JSON lines: send requests, await the response with the same id, collect
 * notifications and non-JSON lines. Meant for integration tests of imsg clients.
 */
export class SimProcess {
  readonly child: ChildProcess;
  /** Every stdout line in arrival order, parsed when it is JSON. */
  readonly lines: string[] = [];
  readonly notifications: RpcNotification[] = [];
  readonly exited: Promise<number | null>;
  stderr = "";
  #nextId = 1;
  readonly #waiting = new Map<unknown, (response: RpcResponse) => void>();
  readonly #responses: RpcResponse[] = [];
  readonly #listeners = new Set<() => void>();

  constructor(options: SimProcessOptions) {
    this.child = spawn(process.execPath, [simBinPath, ...options.args], {
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    // Writing to a child that already exited must fail the request (by timeout), not crash the test run.
    this.child.stdin?.on("error", () => {});
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
      this.stderr += chunk;
    });
    const reader = createInterface({ input: this.child.stdout!, crlfDelay: Number.POSITIVE_INFINITY });
    reader.on("line", (line) => this.#receive(line));
    this.exited = new Promise((resolve) => this.child.on("close", (code) => resolve(code)));
  }

  #receive(line: string): void {
    this.lines.push(line);
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#notify();
      return;
    }
    const message = value as RpcResponse & Partial<RpcNotification>;
    if (typeof message.method === "string") {
      this.notifications.push(message as RpcNotification);
    } else {
      this.#responses.push(message);
      const waiter = this.#waiting.get(message.id);
      if (waiter) {
        this.#waiting.delete(message.id);
        waiter(message);
      }
    }
    this.#notify();
  }

  #notify(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Writes one raw line (a newline is appended). */
  writeLine(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  /** Sends a request with a fresh numeric id and resolves with its response (result or error). */
  request(method: string, params?: unknown, timeoutMs = 10_000): Promise<RpcResponse> {
    const id = this.#nextId;
    this.#nextId += 1;
    return this.requestWithId(
      id,
      { jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) },
      timeoutMs,
    );
  }

  /** Sends an arbitrary request object and waits for the response carrying `id`. */
  requestWithId(id: unknown, request: unknown, timeoutMs = 10_000): Promise<RpcResponse> {
    const response = new Promise<RpcResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(
          new ImsgSimError(
            "REQUEST_TIMEOUT",
            `imsg-sim: no response to id ${JSON.stringify(id)} within ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#waiting.set(id, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
    });
    this.writeLine(JSON.stringify(request));
    return response;
  }

  /** Sends a request and returns its `result`, throwing when the sim answered with an error. */
  async call(method: string, params?: unknown): Promise<Record<string, unknown>> {
    const response = await this.request(method, params);
    if (response.error) {
      throw new ImsgSimError(
        "RPC_ERROR",
        `imsg-sim: ${method} failed: ${response.error.code} ${typeof response.error.data === "string" ? response.error.data : JSON.stringify(response.error.data)}`,
      );
    }
    return response.result!;
  }

  /** Resolves once `condition` holds, re-checked on every line; rejects after `timeoutMs`. */
  waitFor<T>(condition: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = condition();
        if (value === undefined || value === false) return false;
        cleanup();
        resolve(value as T);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new ImsgSimError("WAIT_TIMEOUT", `imsg-sim: condition not met within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
      };
      const listener = () => {
        check();
      };
      this.#listeners.add(listener);
      check();
    });
  }

  /** Message notifications received so far for a subscription. */
  messagesOf(subscription: number): Record<string, unknown>[] {
    return this.notifications
      .filter((notification) => notification.method === "message" && notification.params.subscription === subscription)
      .map((notification) => notification.params.message as Record<string, unknown>);
  }

  /** Closes stdin (the sim exits on EOF) and resolves with the exit code. */
  async close(): Promise<number | null> {
    this.child.stdin!.end();
    return this.exited;
  }

  /** Ends the child for good (cleanup after a failed test). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
