import { Worker } from "node:worker_threads";

/** What one `PRAGMA wal_checkpoint(PASSIVE)` said: frames in the WAL, and how many of them are in the database now. */
export interface CheckpointResult {
  log: number;
  checkpointed: number;
}

/**
 * The worker's whole program: its own connection to state.db, one PASSIVE checkpoint per message. PASSIVE never
 * waits for a lock and never blocks the gateway's writers; it copies what it can and fsyncs the database file, on
 * this thread instead of the event loop's. CommonJS, so it runs the same from the TypeScript sources and from dist.
 */
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const { DatabaseSync } = require("node:sqlite");
const database = new DatabaseSync(workerData.path, { timeout: 0 });
const checkpoint = database.prepare("PRAGMA wal_checkpoint(PASSIVE)");
parentPort.on("message", (message) => {
  if (message === "close") {
    database.close();
    parentPort.close();
    return;
  }
  try {
    const row = checkpoint.get();
    parentPort.postMessage({ ok: true, log: Number(row.log), checkpointed: Number(row.checkpointed) });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String((error && error.message) || error) });
  }
});
`;

/**
 * Checkpoints state.db's WAL from a worker thread (the durability design: docs/reliability.md). The gateway's own
 * connection checkpoints only past a 64 MiB backstop, since SQLite's automatic checkpoint runs inside the COMMIT
 * that crosses 1000 pages and fsyncs the database file on the event loop (it showed as the p99 of reply delivery).
 * Started on the first checkpoint, so a short CLI command never starts a thread; `idle()` ends it while state.db is
 * quiet (a thread holds ~18 MB of RSS), and the next checkpoint starts a new one.
 */
export class WalCheckpointer {
  readonly #path: string;
  readonly #onFailed: (reason: string) => void;
  #worker: Worker | undefined;
  #pending: { resolve: (result: CheckpointResult) => void; reject: (error: Error) => void } | undefined;
  #failed = false;
  #closed = false;

  /** `onFailed` is told once when the thread cannot run (the caller falls back to SQLite's own checkpoints). */
  constructor(databasePath: string, onFailed: (reason: string) => void) {
    this.#path = databasePath;
    this.#onFailed = onFailed;
  }

  /** One PASSIVE checkpoint; one at a time (a call while one runs shares it). */
  checkpoint(): Promise<CheckpointResult> {
    if (this.#failed || this.#closed) return Promise.reject(new Error("the checkpoint thread is not running"));
    const worker = this.#start();
    const { promise, resolve, reject } = Promise.withResolvers<CheckpointResult>();
    this.#pending = { resolve, reject };
    worker.postMessage("checkpoint");
    return promise;
  }

  /** Whether a thread runs now. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Ends the thread until the next checkpoint, which starts another (nothing may be in flight). */
  idle(): void {
    const worker = this.#worker;
    if (!worker || this.#pending) return;
    this.#worker = undefined;
    worker.postMessage("close");
  }

  /** Ends the thread (its connection closes first). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    if (!worker) return;
    worker.postMessage("close");
    this.#settle(new Error("the store closed"));
  }

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(workerSource, { eval: true, workerData: { path: this.#path } });
    worker.unref();
    worker.on("message", (message: { ok: boolean; log?: number; checkpointed?: number; message?: string }) => {
      if (worker !== this.#worker) return;
      const pending = this.#pending;
      this.#pending = undefined;
      if (message.ok) pending?.resolve({ log: message.log ?? 0, checkpointed: message.checkpointed ?? 0 });
      else pending?.reject(new Error(message.message ?? "checkpoint failed"));
    });
    // A thread ended by idle() or close() is no longer this.#worker: its exit is expected.
    worker.on("error", (error) => {
      if (worker === this.#worker) this.#fail(error.message);
    });
    worker.on("exit", (code) => {
      if (worker === this.#worker && !this.#closed) this.#fail(`the checkpoint thread exited with code ${code}`);
    });
    this.#worker = worker;
    return worker;
  }

  #fail(reason: string): void {
    if (this.#failed || this.#closed) return;
    this.#failed = true;
    this.#worker = undefined;
    this.#settle(new Error(reason));
    this.#onFailed(reason);
  }

  #settle(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}
