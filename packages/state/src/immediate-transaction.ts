import type { DatabaseSync } from "node:sqlite";
import { errorMessage } from "@imessage-channel/kit";
import { StateError } from "./state-error.ts";

/**
 * SQLite's primary result codes that mean "state.db cannot take this write now", not "this write is wrong":
 * another process holds the write lock past the busy timeout (BUSY, LOCKED), the disk or a size limit is full
 * (FULL), the file or its filesystem failed or went read-only (IOERR, READONLY, CANTOPEN, NOMEM, PROTOCOL), or it
 * is damaged (CORRUPT, NOTADB; the next open moves it aside). A write that met one of them can be tried again later.
 */
const notWritableCodes = new Set([5, 6, 7, 8, 10, 11, 13, 14, 15, 26]);

/** Connections whose `work` runs inside `immediateTransaction` now: a nested call joins that transaction. */
const running = new WeakSet<DatabaseSync>();

/**
 * Runs `work` inside `BEGIN IMMEDIATE … COMMIT`, so writers in other processes queue instead of interleaving. Called
 * inside another transaction (`StateStore.transaction`), `work` joins it: both commit, or neither does.
 */
export function immediateTransaction<Result>(database: DatabaseSync, work: () => Result): Result {
  if (running.has(database)) return work();
  try {
    database.exec("BEGIN IMMEDIATE");
    try {
      running.add(database);
      let result: Result;
      try {
        result = work();
      } finally {
        running.delete(database);
      }
      database.exec("COMMIT");
      return result;
    } catch (error) {
      // A failed COMMIT (BUSY) leaves the transaction open; FULL and IOERR have already rolled it back.
      if (database.isTransaction) rollbackQuietly(database);
      throw error;
    }
  } catch (error) {
    throw asNotWritable(error) ?? error;
  }
}

function rollbackQuietly(database: DatabaseSync): void {
  try {
    database.exec("ROLLBACK");
  } catch {
    // The original error says what went wrong; SQLite rolls back on its own when it cannot.
  }
}

/** A `STATE_DB_NOT_WRITABLE` StateError for a SQLite error that says state.db cannot take writes now. */
function asNotWritable(error: unknown): StateError | undefined {
  if (StateError.isInstance(error)) return undefined;
  const { errcode, errstr } = (error ?? {}) as { errcode?: unknown; errstr?: unknown };
  if (typeof errcode !== "number" || !notWritableCodes.has(errcode & 0xff)) return undefined;
  const reason = typeof errstr === "string" && errstr !== "" ? errstr : errorMessage(error);
  return new StateError(
    "STATE_DB_NOT_WRITABLE",
    `state.db not writable (${reason}): free disk space, or end the process that holds state.db's write lock`,
    { cause: error, reason },
  );
}

/** SQLite's reason when `error` says state.db cannot take writes now (see `StateError.reason`), else undefined. */
export function notWritableReason(error: unknown): string | undefined {
  return StateError.isInstance(error) && error.code === "STATE_DB_NOT_WRITABLE" ? error.reason : undefined;
}
