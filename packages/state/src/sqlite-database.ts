import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { toIsoString } from "./iso-time.ts";
import { migrateToLatest } from "./migrations.ts";
import { StateError } from "./state-error.ts";

/** How long a writer waits for another process's transaction before SQLITE_BUSY surfaces (open, the CLI). */
export const busyTimeoutMilliseconds = 10_000;

/**
 * The gateway's busy timeout once open. SQLite waits for the lock synchronously, so a 10 s wait would freeze the
 * event loop for 10 s; the gateway gives up after this instead and retries the write later (`WriteQueue`).
 */
export const hotPathBusyTimeoutMilliseconds = 250;

const sqliteCorrupt = 11;
const sqliteNotADatabase = 26;
const sidecarSuffixes = ["-wal", "-shm"];

export interface OpenedDatabase {
  database: DatabaseSync;
  /** Set when a corrupt database was moved aside on this open. */
  warning?: string;
}

/**
 * Opens (creating when missing) the state database: WAL, a busy timeout, migrations applied, modes 0600/0700.
 * A corrupt file is renamed to `state.db.corrupt-<timestamp>` (with its -wal/-shm) and a fresh one created.
 */
export function openDatabase(path: string, now: number): OpenedDatabase {
  prepareFiles(path);
  const detectedIdentity = fileIdentity(path);
  try {
    return { database: openAndMigrate(path) };
  } catch (error) {
    if (!isCorruption(error)) throw error;
    const asidePath = moveAside(path, detectedIdentity, now);
    prepareFiles(path);
    const database = openAndMigrate(path);
    const reason = error instanceof Error ? error.message : String(error);
    return {
      database,
      warning: `state database ${path} was unreadable (${reason}); moved it to ${asidePath} and started a fresh one — pairing approvals and dedupe history from it are not carried over`,
    };
  }
}

function openAndMigrate(path: string): DatabaseSync {
  const database = new DatabaseSync(path, { timeout: busyTimeoutMilliseconds });
  try {
    setBusyTimeout(database, busyTimeoutMilliseconds);
    setWalMode(database);
    // FULL: a committed dedupe record must survive power loss, or a delivered message could be answered twice.
    database.exec("PRAGMA synchronous = NORMAL");
    assertIntact(database);
    migrateToLatest(database);
    tightenModes(path);
    return database;
  } catch (error) {
    database.close();
    throw error;
  }
}

/** Changes how long this connection's writers wait for another process's write lock. */
export function setBusyTimeout(database: DatabaseSync, milliseconds: number): void {
  if (!Number.isSafeInteger(milliseconds) || milliseconds < 0) {
    throw new RangeError(`busyTimeoutMilliseconds: ${milliseconds} is not a whole number of milliseconds >= 0`);
  }
  database.exec(`PRAGMA busy_timeout = ${milliseconds}`);
}

function setWalMode(database: DatabaseSync): void {
  const row = database.prepare("PRAGMA journal_mode = WAL").get() as { journal_mode?: string } | undefined;
  if (row?.journal_mode !== "wal") {
    throw new StateError(
      "STATE_DB_UNUSABLE",
      `state database could not switch to WAL (journal_mode is ${String(row?.journal_mode)}); put the state dir on a local filesystem`,
    );
  }
}

function assertIntact(database: DatabaseSync): void {
  const rows = database.prepare("PRAGMA quick_check").all() as Array<{ quick_check?: string }>;
  const problems = rows.map((row) => row.quick_check).filter((result) => result !== "ok");
  if (problems.length > 0) {
    throw new CorruptDatabaseError(`quick_check: ${problems.slice(0, 3).join("; ")}`);
  }
}

class CorruptDatabaseError extends Error {}

function isCorruption(error: unknown): boolean {
  if (error instanceof CorruptDatabaseError) return true;
  // A write inside a transaction reports it as STATE_DB_NOT_WRITABLE, with SQLite's error as the cause.
  const sqliteError = StateError.isInstance(error) ? error.cause : error;
  const errcode = (sqliteError as { errcode?: unknown } | null)?.errcode;
  return errcode === sqliteCorrupt || errcode === sqliteNotADatabase;
}

function prepareFiles(path: string): void {
  const directory = dirname(path);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  chmodSync(directory, 0o700);
  // Created here with 0600 so SQLite's -wal and -shm, which copy the database file's mode, are private too.
  if (!existsSync(path)) closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
}

function tightenModes(path: string): void {
  for (const file of [path, ...sidecarSuffixes.map((suffix) => path + suffix)]) {
    if (existsSync(file)) chmodSync(file, 0o600);
  }
}

function fileIdentity(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const stats = statSync(path);
  return `${stats.dev}:${stats.ino}`;
}

function moveAside(path: string, detectedIdentity: string | undefined, now: number): string {
  // Another process may have moved the bad file aside and created a fresh one in the meantime: leave that one be.
  if (detectedIdentity !== undefined && fileIdentity(path) !== detectedIdentity) {
    throw new StateError(
      "STATE_DB_UNUSABLE",
      `state database ${path} changed while it was being checked; open it again`,
    );
  }
  const stamp = toIsoString(now).replace(/[:.]/g, "-");
  const asidePath = `${path}.corrupt-${stamp}`;
  renameSync(path, asidePath);
  for (const suffix of sidecarSuffixes) {
    if (existsSync(path + suffix)) renameSync(path + suffix, asidePath + suffix);
  }
  return asidePath;
}
