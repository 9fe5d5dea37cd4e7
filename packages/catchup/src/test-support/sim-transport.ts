import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { createInterface } from "node:readline";
import { simBinPath } from "@imessage-channel/imsg-sim";
import type { ImsgClient } from "@imessage-channel/rpc-client";

type Transport = ConstructorParameters<typeof ImsgClient>[0]["transport"];
type TransportEvents = Transport extends EventEmitter<infer Events> ? Events : never;
type TransportExit = Awaited<ReturnType<Transport["close"]>>;

/**
 * `imsg-sim rpc --db <dbPath>` as a line transport for the real ImsgClient. The transport package's
 * LocalTransport does this in production; catchup does not depend on it, so tests carry this minimal one.
 */
export class SimTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly #dbPath: string;
  #child: ChildProcess | undefined;
  #exit: Promise<TransportExit> | undefined;
  #stderr = "";
  running = false;

  constructor(dbPath: string) {
    super();
    this.#dbPath = dbPath;
  }

  get description(): string {
    return `imsg-sim rpc (pid ${this.#child?.pid ?? "none"})`;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [simBinPath, "rpc", "--db", this.#dbPath, "--platform", "linux"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#child = child;
    this.running = true;
    child.stdin!.on("error", () => {});
    child.stderr!.setEncoding("utf8").on("data", (text: string) => {
      this.#stderr = (this.#stderr + text).slice(-2000);
      this.emit("stderr", text);
    });
    createInterface({ input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
      this.emit("line", line),
    );
    this.#exit = new Promise((resolve) =>
      child.on("close", (code, signal) => {
        this.running = false;
        const exit = {
          code,
          signal,
          reason: `imsg-sim exited (code ${code}, signal ${signal}); stderr: ${this.#stderr.trim()}`,
        };
        this.emit("exit", exit);
        resolve(exit);
      }),
    );
  }

  async writeLine(line: string): Promise<void> {
    this.#child?.stdin?.write(`${line}\n`);
  }

  async close(): Promise<TransportExit> {
    if (!this.#child || !this.#exit) return { code: null, signal: null, reason: "never started" };
    this.#child.stdin!.end();
    const timer = setTimeout(() => this.#child?.kill("SIGKILL"), 2000);
    const exit = await this.#exit;
    clearTimeout(timer);
    return exit;
  }
}
