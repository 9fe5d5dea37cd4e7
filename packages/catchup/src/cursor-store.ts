import { mkdir, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import { errorMessage, fsyncDirectory, type Logger, writeFileAtomically } from "@imessage-channel/kit";
import { type CursorMoved, RowCursor, type RowOrigin } from "@imessage-channel/row-cursor";
import { CatchupError } from "./catchup-error.ts";
import type { CatchupMessage } from "./catchup-source.ts";
import { cursorFilePath, type DatabaseIdentity } from "./cursor-file-path.ts";
import { positionAfter } from "./row-position.ts";

/** Where the cursor stands: every row at or below `lastSeenRowid` has been handed off or deliberately skipped. */
export interface CursorPosition {
  lastSeenRowid: number;
  lastSeenMs: number;
}

/** The cursor file, exactly as the reference shows it. */
export interface CursorFile extends CursorPosition {
  updatedAt: number;
  failureRetries: Record<string, number>;
}

/** How catchup writes its lines internally: the reference's exact texts at two levels. */
export type CatchupLog = (level: "info" | "warn", line: string) => void;

export interface OpenCursorStoreOptions {
  stateDir: string;
  accountId: string;
  identity: DatabaseIdentity;
  logger?: Logger;
  now?: () => number;
  /**
   * Moves of the cursor are written at most this often (default 100 ms): the first at once, the ones that follow
   * within the window together, when it ends. `flush()` writes a waiting move at once (the end of a pass, a stop).
   */
  writeIntervalMilliseconds?: number;
}

/** See `OpenCursorStoreOptions.writeIntervalMilliseconds`. */
export const defaultCursorWriteIntervalMilliseconds = 100;

/** Failure entries kept at most; the oldest entries go first (a given-up guid is long behind the cursor by then). */
const maxFailureEntries = 1000;

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function parseCursorFile(text: string): CursorFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const failures = record.failureRetries;
  if (!isCount(record.lastSeenRowid) || !isCount(record.lastSeenMs) || !isCount(record.updatedAt)) return undefined;
  if (typeof failures !== "object" || failures === null || Array.isArray(failures)) return undefined;
  if (!Object.values(failures).every(isCount)) return undefined;
  return {
    lastSeenMs: record.lastSeenMs,
    lastSeenRowid: record.lastSeenRowid,
    updatedAt: record.updatedAt,
    failureRetries: { ...(failures as Record<string, number>) },
  };
}

function later(a: CursorPosition, b: CursorPosition): CursorPosition {
  return {
    lastSeenRowid: Math.max(a.lastSeenRowid, b.lastSeenRowid),
    lastSeenMs: Math.max(a.lastSeenMs, b.lastSeenMs),
  };
}

/**
 * The per-account catchup cursor on disk: the persistence of a `RowCursor` (`@imessage-channel/row-cursor`).
 * Live dispatch and the catchup pass move the same cursor: a pass begins its rows before any is dispatched and
 * settles each once it is handed off, so live rows that settle meanwhile never carry the cursor past a replay row
 * that a crash would otherwise lose. The file keeps the position just after the newest row the cursor passed.
 */
export class CursorStore {
  readonly path: string;
  #position: CursorPosition | undefined;
  readonly #cursor: RowCursor<CursorPosition>;
  #failureRetries: Record<string, number>;
  readonly #now: () => number;
  #writeChain: Promise<void> = Promise.resolve();
  #pendingWrite: Promise<void> | undefined;
  /** The write the latest move asked for (what `settle` hands back). */
  #moveWrite: Promise<void> | undefined;
  readonly #writeInterval: number;
  /** When the last write of a move started (`performance.now()`), for the pacing of the next. */
  #lastMoveWriteAt = Number.NEGATIVE_INFINITY;
  /** A move waiting for the window to end: its timer, and the promise of its write. */
  #deferred: { timer: NodeJS.Timeout; write: PromiseWithResolvers<void> } | undefined;

  private constructor(path: string, file: CursorFile | undefined, now: () => number, writeInterval: number) {
    this.path = path;
    this.#writeInterval = writeInterval;
    this.#position =
      file === undefined ? undefined : { lastSeenRowid: file.lastSeenRowid, lastSeenMs: file.lastSeenMs };
    this.#cursor = new RowCursor<CursorPosition>(file?.lastSeenRowid ?? 0);
    this.#cursor.on("moved", (moved) => this.#moved(moved));
    this.#failureRetries = file?.failureRetries ?? {};
    this.#now = now;
  }

  /** Reads the cursor file; a missing file is a first run, a corrupt one is moved aside with a warning. */
  static async open(options: OpenCursorStoreOptions): Promise<CursorStore> {
    const path = cursorFilePath(options.stateDir, options.accountId, options.identity);
    const now = options.now ?? Date.now;
    const interval = options.writeIntervalMilliseconds ?? defaultCursorWriteIntervalMilliseconds;
    if (!Number.isFinite(interval) || interval < 0) {
      throw new RangeError(`writeIntervalMilliseconds: ${interval} is not a number of milliseconds >= 0`);
    }
    await mkdir(dirname(path), { recursive: true });
    let text: string | undefined;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new CatchupError(
          "CURSOR_UNREADABLE",
          `imessage catchup: cannot read cursor file ${path}: ${errorMessage(error)}; fix its permissions or remove it`,
          { cause: error },
        );
      }
    }
    if (text === undefined) return new CursorStore(path, undefined, now, interval);
    const file = parseCursorFile(text);
    if (file === undefined) {
      const aside = `${path}.corrupt-${now()}`;
      await rename(path, aside);
      await fsyncDirectory(dirname(path));
      options.logger?.warn(
        {},
        `imessage catchup: cursor file ${path} is corrupt; moved it to ${aside} and treating this start as a first run`,
      );
      return new CursorStore(path, undefined, now, interval);
    }
    return new CursorStore(path, file, now, interval);
  }

  /** The persisted position: undefined before the first pass or live row ever advanced it. */
  get position(): CursorPosition | undefined {
    return this.#position;
  }

  /** A copy of the persisted per-guid failure counts. */
  get failureRetries(): Record<string, number> {
    return { ...this.#failureRetries };
  }

  failureCount(guid: string): number {
    return this.#failureRetries[guid] ?? 0;
  }

  /**
   * Where the cursor starts when the file has none yet (a first run's window), written at once either way. Never
   * moves an existing position.
   */
  initialize(position: CursorPosition): Promise<void> {
    this.#position ??= { ...position };
    return this.#persist();
  }

  /**
   * A row is open: the cursor will not pass it until it is settled. `position` (just after the row) is what the
   * file records once the cursor passed it; a row without one only holds (the rows a pass has not fetched yet).
   * Returns false when the row is at or behind the cursor.
   */
  begin(rowid: number, origin: RowOrigin, position?: CursorPosition): boolean {
    return this.#cursor.begin(rowid, origin, position);
  }

  /**
   * The row is handed off; resolves once the move it caused (if any) is on disk — written with the other moves of
   * its write window (`writeIntervalMilliseconds`), so a caller replaying many rows need not wait for each.
   */
  settle(rowid: number): Promise<void> {
    this.#moveWrite = undefined;
    this.#cursor.settle(rowid);
    return this.#moveWrite ?? Promise.resolve();
  }

  /** The live path's move: a row handed off (journaled) that the cursor may pass once nothing before it is open. */
  advance(position: CursorPosition): Promise<void> {
    if (!this.begin(position.lastSeenRowid, "live", position)) return this.#persist();
    return this.settle(position.lastSeenRowid);
  }

  /** `advance` just past `row`: call it once the row is durably handed off (journaled), never before. */
  advancePast(row: CatchupMessage): Promise<void> {
    return this.advance(positionAfter(row));
  }

  #moved(moved: CursorMoved<CursorPosition>): void {
    if (moved.passed.length === 0) return;
    // Rowids and times need not agree (iCloud backlogs): the file keeps the latest of each over every row passed.
    for (const position of moved.passed) {
      this.#position = this.#position === undefined ? { ...position } : later(this.#position, position);
    }
    this.#moveWrite = this.#persistMove();
  }

  /**
   * A move's write: at once when the last one started a window ago, else with every move until the window ends. Each
   * write is atomic (temp file, fsync, rename, fsync of the folder), so a kill at any point leaves the file whole:
   * the old position or a newer one, never past a row that was not handed off.
   */
  #persistMove(): Promise<void> {
    if (this.#deferred !== undefined) return this.#deferred.write.promise;
    const wait = this.#lastMoveWriteAt + this.#writeInterval - performance.now();
    if (wait <= 0) {
      this.#lastMoveWriteAt = performance.now();
      return this.#persist();
    }
    const write = Promise.withResolvers<void>();
    const timer = setTimeout(() => this.#writeDeferred(), wait);
    timer.unref();
    this.#deferred = { timer, write };
    return write.promise;
  }

  #writeDeferred(): void {
    const deferred = this.#deferred;
    if (deferred === undefined) return;
    clearTimeout(deferred.timer);
    this.#deferred = undefined;
    this.#lastMoveWriteAt = performance.now();
    this.#persist().then(deferred.write.resolve, deferred.write.reject);
  }

  /** Counts one more dispatch failure of `guid`; resolves with the new count once it is on disk. */
  async recordFailure(guid: string): Promise<number> {
    const count = this.failureCount(guid) + 1;
    delete this.#failureRetries[guid];
    this.#failureRetries[guid] = count;
    const guids = Object.keys(this.#failureRetries);
    for (const old of guids.slice(0, Math.max(0, guids.length - maxFailureEntries))) delete this.#failureRetries[old];
    await this.#persist();
    return count;
  }

  /** Forgets the failures of a guid that has now been dispatched (the count is of consecutive throws). */
  clearFailures(guid: string): Promise<void> {
    if (!(guid in this.#failureRetries)) return Promise.resolve();
    delete this.#failureRetries[guid];
    return this.#persist();
  }

  /** Writes a move waiting for its window now; resolves when every write asked for so far is on disk. */
  flush(): Promise<void> {
    this.#writeDeferred();
    return this.#writeChain;
  }

  /** Writes are serialised; calls made while one waits share it, since it will write the newest state. */
  #persist(): Promise<void> {
    if (this.#pendingWrite !== undefined) return this.#pendingWrite;
    const write = this.#writeChain.then(() => {
      this.#pendingWrite = undefined;
      return this.#write();
    });
    this.#pendingWrite = write;
    this.#writeChain = write.catch(() => {});
    return write;
  }

  async #write(): Promise<void> {
    const position = this.position;
    if (position === undefined) return;
    const file: CursorFile = {
      lastSeenMs: position.lastSeenMs,
      lastSeenRowid: position.lastSeenRowid,
      updatedAt: this.#now(),
      failureRetries: { ...this.#failureRetries },
    };
    try {
      await writeFileAtomically(this.path, `${JSON.stringify(file, null, 2)}\n`);
    } catch (error) {
      throw new CatchupError(
        "CURSOR_WRITE_FAILED",
        `imessage catchup: cannot write cursor file ${this.path}: ${errorMessage(error)}; check free space and permissions of the state dir`,
        { cause: error },
      );
    }
  }
}
