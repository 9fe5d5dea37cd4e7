import type { DatabaseSync } from "node:sqlite";

/** Runs `work` inside `BEGIN IMMEDIATE … COMMIT`, so writers in other processes queue instead of interleaving. */
export function immediateTransaction<Result>(database: DatabaseSync, work: () => Result): Result {
  database.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    database.exec("COMMIT");
    return result;
  } catch (error) {
    if (database.isTransaction) database.exec("ROLLBACK");
    throw error;
  }
}
