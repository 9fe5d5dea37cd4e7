import { closeSync, fdatasyncSync, openSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import type { DatabaseSync } from "node:sqlite";
import { type Clock, errorMessage } from "@imessage-channel/kit";
import { StateError } from "./state-error.ts";
import { prepared } from "./statement-cache.ts";
import { WalCheckpointer } from "./wal-checkpointer.ts";

/** How often the write-ahead log is made durable when something was committed since the last time. */
export const defaultDurabilityIntervalMilliseconds = 200;

/** The timers the tick runs on; tests inject their own to run it by hand. */
export type DurabilityTimers = Pick<Clock, "setTimeout" | "clearTimeout">;

/**
 * When the worker checkpoints: at the next tick once this many rows changed since the last checkpoint (a busy
 * gateway: every tick), or once fewer changes are `checkpointAfterTicks` old. A WAL of a few hundred pages costs
 * readers nothing, and a quiet gateway then starts no thread for the handful of rows it writes.
 */
export const checkpointAfterChanges = 256;
/** Ticks (10 s) after which changes below `checkpointAfterChanges` are checkpointed anyway. */
export const checkpointAfterTicks = 50;
/** Ticks (10 s) with nothing to checkpoint after which the worker thread ends, until the next checkpoint. */
export const workerIdleTicks = 50;
/**
 * While checkpoints run on the worker, the connection's own automatic checkpoint still fires once the WAL holds
 * this many pages (64 MiB): a backstop that bounds the WAL when the worker falls behind or the tick cannot run (an
 * event loop that never yields to timers). Every row commits a few transactions of a few pages each, so without it
 * the WAL grew by ~70 KB per row for as long as no checkpoint ran (29 GB after 400k rows in a benchmark).
 */
export const backstopCheckpointPages = 16_384;
/** SQLite's own default: what inline mode checkpoints at. */
const inlineCheckpointPages = 1_000;
/** Checkpoints that failed in a row before the connection falls back to SQLite's own (inline) checkpoints. */
const checkpointFailuresBeforeFallback = 3;

export interface DurabilityOptions {
  /** See `defaultDurabilityIntervalMilliseconds`. */
  intervalMilliseconds?: number;
  /**
   * `background` (default): a worker thread runs a PASSIVE checkpoint at a tick once `checkpointAfterChanges` rows
   * changed (or fewer waited `checkpointAfterTicks` ticks), and ends after `workerIdleTicks` quiet ticks; the
   * connection checkpoints inside a COMMIT only past `backstopCheckpointPages`. After 3 failed checkpoints in
   * a row SQLite's own are back on until one succeeds again; if the thread dies, for good. `inline`: SQLite's
   * automatic checkpoint every 1000 WAL pages, on the committing thread.
   */
  checkpoints?: "background" | "inline";
  timers?: DurabilityTimers;
}

/** What the tick did so far (for tests, benchmarks and the curious operator). */
export interface DurabilityStats {
  /** fdatasync calls of the write-ahead log that completed. */
  readonly syncs: number;
  /** Checkpoints the worker thread completed. */
  readonly checkpoints: number;
  /** Where checkpoints run now: `inline` from the start, while the worker's checkpoints fail, or after it died. */
  readonly checkpointMode: "background" | "inline";
  /** Whether the checkpoint thread runs now (it ends while state.db is quiet). */
  readonly checkpointThread: boolean;
  /** Whether the tick still runs (false once the store closed). */
  readonly running: boolean;
}

/** The host's timers, unref'd: the tick must not keep a process (the CLI) alive. */
const systemTimers: DurabilityTimers = {
  setTimeout: (callback, milliseconds) => {
    const handle = setTimeout(callback, milliseconds);
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Makes state.db's commits survive power loss without an fsync on the event loop (the durability design:
 * docs/reliability.md, "Durability of state.db"). The connection runs WAL with `synchronous = NORMAL`: a commit is
 * in the OS page cache when `COMMIT` returns, which survives the process being killed (kill -9, OOM) but not power
 * loss or a kernel crash. Every `intervalMilliseconds`, when this connection changed anything since the last time,
 * the tick fdatasyncs the `-wal` file with Node's async `fs` (libuv's thread pool), so power loss can lose at most
 * the commits of the last tick or so. `durable()` asks for that sync now and resolves once every commit made before
 * the call is on disk (concurrent callers share one fdatasync). Checkpoints — which copy the WAL into the database
 * and fsync it — run on a worker thread (`WalCheckpointer`) instead of inside a COMMIT on the event loop.
 */
export class DurabilityTick implements DurabilityStats {
  readonly #database: DatabaseSync;
  readonly #walPath: string;
  readonly #interval: number;
  readonly #timers: DurabilityTimers;
  #timer: unknown;
  /** `total_changes()` covered by the last completed sync; -1 so the first tick syncs what opening wrote. */
  #syncedChanges = -1;
  #inFlight: Promise<void> | undefined;
  /** `total_changes()` the sync in flight covers. */
  #inFlightTarget = -1;
  /** Callers of `durable()` waiting for a sync that starts after their call. */
  #waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  #syncs = 0;
  #running = true;
  readonly #checkpointer: WalCheckpointer | undefined;
  #checkpointMode: "background" | "inline";
  #checkpoints = 0;
  #checkpointFailures = 0;
  /** The worker thread failed to start or died (or checkpoints were `inline` from the start). */
  #workerGone = false;
  #checkpointing = false;
  /** Ticks since changes first waited for a checkpoint (0: none wait). */
  #ticksWaiting = 0;
  /** Ticks since the last checkpoint with nothing to checkpoint. */
  #quietTicks = 0;
  /** `total_changes()` when the last checkpoint started (0: what opening wrote is small enough to wait). */
  #checkpointedChanges = 0;
  #wal: FileHandle | undefined;

  constructor(database: DatabaseSync, databasePath: string, options: DurabilityOptions = {}) {
    this.#database = database;
    this.#walPath = `${databasePath}-wal`;
    this.#interval = options.intervalMilliseconds ?? defaultDurabilityIntervalMilliseconds;
    if (!Number.isSafeInteger(this.#interval) || this.#interval < 1) {
      throw new RangeError(`durability.intervalMilliseconds: ${this.#interval} is not a whole number >= 1`);
    }
    this.#timers = options.timers ?? systemTimers;
    this.#checkpointMode = options.checkpoints ?? "background";
    if (this.#checkpointMode === "background") {
      database.exec(`PRAGMA wal_autocheckpoint = ${backstopCheckpointPages}`);
      this.#checkpointer = new WalCheckpointer(databasePath, () => this.#checkpointInline());
    } else this.#workerGone = true;
    this.#schedule();
  }

  get syncs(): number {
    return this.#syncs;
  }

  get checkpoints(): number {
    return this.#checkpoints;
  }

  get checkpointMode(): "background" | "inline" {
    return this.#checkpointMode;
  }

  get checkpointThread(): boolean {
    return this.#checkpointer?.running ?? false;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Resolves once every commit made on this connection before the call is on disk (one fdatasync, shared). */
  durable(): Promise<void> {
    if (!this.#running) return Promise.resolve();
    const changes = this.#changes();
    if (this.#inFlight === undefined && changes === this.#syncedChanges) return Promise.resolve();
    // The sync in flight already covers every change made so far: share it.
    if (this.#inFlight !== undefined && changes === this.#inFlightTarget)
      return this.#inFlight.then(() => this.durable());
    const waiter = Promise.withResolvers<void>();
    this.#waiting.push(waiter);
    if (this.#inFlight === undefined) void this.#sync();
    return waiter.promise;
  }

  /**
   * Stops the tick; what this connection committed since the last sync is synced now, synchronously (a CLI command
   * closes right after its write, and the gateway's connection may keep the WAL from being checkpointed on close).
   * Call before closing the database.
   */
  close(): void {
    if (!this.#running) return;
    this.#running = false;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#checkpointer?.close();
    if (this.#database.isOpen && this.#changes() !== this.#syncedChanges) {
      this.#syncedChanges = this.#changes();
      if (syncFileNow(this.#walPath)) this.#syncs += 1;
    }
    for (const waiter of this.#waiting.splice(0)) waiter.resolve();
    // A sync in flight still holds it; it is closed once that ends.
    if (this.#inFlight === undefined) void this.#closeWal();
    else void this.#inFlight.finally(() => this.#closeWal());
  }

  /**
   * fdatasync of the WAL on the thread pool, through a descriptor kept open (SQLite keeps the file while this
   * connection is open: it deletes it only when the last connection closes); false when there is no WAL yet.
   */
  async #syncWal(): Promise<boolean> {
    if (this.#wal === undefined) {
      try {
        this.#wal = await open(this.#walPath, "r");
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
        throw error;
      }
      if (!this.#running) {
        await this.#closeWal();
        return false;
      }
    }
    await this.#wal.datasync();
    return true;
  }

  async #closeWal(): Promise<void> {
    const wal = this.#wal;
    this.#wal = undefined;
    await wal?.close().catch(() => undefined);
  }

  #schedule(): void {
    if (!this.#running) return;
    this.#timer = this.#timers.setTimeout(() => this.#tick(), this.#interval);
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    this.#maybeCheckpoint();
    if (this.#inFlight !== undefined || !this.#database.isOpen || this.#changes() === this.#syncedChanges) {
      this.#schedule();
      return;
    }
    void this.#sync().finally(() => this.#schedule());
  }

  /**
   * A checkpoint off-thread when enough rows changed since the last one, or when fewer have waited long enough;
   * the thread ends after `workerIdleTicks` ticks with nothing to checkpoint.
   */
  #maybeCheckpoint(): void {
    if (this.#workerGone || !this.#checkpointer || this.#checkpointing || !this.#database.isOpen) return;
    const changes = this.#changes();
    const waiting = changes - this.#checkpointedChanges;
    if (waiting === 0) {
      this.#quietTicks += 1;
      if (this.#quietTicks >= workerIdleTicks) this.#checkpointer.idle();
      return;
    }
    this.#quietTicks = 0;
    this.#ticksWaiting += 1;
    if (waiting < checkpointAfterChanges && this.#ticksWaiting < checkpointAfterTicks) return;
    this.#ticksWaiting = 0;
    this.#checkpointing = true;
    this.#checkpointer.checkpoint().then(
      () => {
        this.#checkpointing = false;
        this.#checkpointedChanges = changes;
        this.#checkpoints += 1;
        this.#checkpointFailures = 0;
        // Checkpoints work again (a full disk got room): the commits stop checkpointing on the event loop.
        if (this.#checkpointMode === "inline" && this.#running) this.#setInline(false);
      },
      () => {
        this.#checkpointing = false;
        this.#checkpointFailures += 1;
        if (this.#checkpointFailures >= checkpointFailuresBeforeFallback) this.#setInline(true);
      },
    );
  }

  /**
   * The worker thread cannot run (it failed to start or died): SQLite's own checkpoints for good, so the WAL never
   * grows without bound.
   */
  #checkpointInline(): void {
    this.#workerGone = true;
    this.#setInline(true);
  }

  /** Inline: SQLite's automatic checkpoint every 1000 pages, inside a commit. Not inline: the worker's, and the backstop. */
  #setInline(inline: boolean): void {
    if (!inline && this.#workerGone) return;
    const mode = inline ? "inline" : "background";
    if (this.#checkpointMode === mode) return;
    this.#checkpointMode = mode;
    const pages = inline ? inlineCheckpointPages : backstopCheckpointPages;
    if (this.#database.isOpen) this.#database.exec(`PRAGMA wal_autocheckpoint = ${pages}`);
  }

  #changes(): number {
    const row = prepared(this.#database, "SELECT total_changes() AS changes").get() as { changes: number };
    return Number(row.changes);
  }

  /** One fdatasync of the WAL covering every change made so far; then the next one if someone asked meanwhile. */
  #sync(): Promise<void> {
    const target = this.#database.isOpen ? this.#changes() : this.#syncedChanges;
    this.#inFlightTarget = target;
    const waiting = this.#waiting.splice(0);
    const run = (async () => {
      try {
        if (await this.#syncWal()) this.#syncs += 1;
        this.#syncedChanges = Math.max(this.#syncedChanges, target);
        for (const waiter of waiting) waiter.resolve();
      } catch (error) {
        // The next tick tries again; a caller of durable() learns that its writes are not known to be on disk, as
        // a write state.db cannot take now (the outbox keeps the part for its sweep).
        const reason = `fdatasync of the WAL failed: ${errorMessage(error)}`;
        const notDurable = new StateError(
          "STATE_DB_NOT_WRITABLE",
          `state.db not writable (${reason}): check the disk that holds the state dir`,
          { cause: error, reason },
        );
        for (const waiter of waiting) waiter.reject(notDurable);
      }
    })();
    this.#inFlight = run;
    return run.finally(() => {
      this.#inFlight = undefined;
      if (this.#waiting.length > 0 && this.#running) void this.#sync();
    });
  }
}

function syncFileNow(path: string): boolean {
  let descriptor: number;
  try {
    descriptor = openSync(path, "r");
  } catch {
    return false;
  }
  try {
    fdatasyncSync(descriptor);
    return true;
  } catch {
    return false;
  } finally {
    closeSync(descriptor);
  }
}
