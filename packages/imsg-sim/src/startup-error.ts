import { fullDiskAccessText, isPermissionLikeSqliteError } from "./platform-texts.ts";

/**
 * The text imsg reports when opening the db fails: SQLite's error as SQLite.swift renders it, rewritten into
 * the Full Disk Access error for permission-like failures (which include a nonexistent path).
 */
export function startupErrorText(error: unknown, dbPath: string): string {
  const sqlite = error as { message?: string; errcode?: number };
  const code = sqlite.errcode === undefined ? "" : ` (code: ${sqlite.errcode})`;
  const underlying = `${sqlite.message ?? String(error)}${code}`;
  return isPermissionLikeSqliteError(underlying) ? fullDiskAccessText(dbPath, underlying) : underlying;
}

/** The error the Full Disk Access fault pretends SQLite raised. */
export function simulatedPermissionError(): Error {
  return Object.assign(new Error("unable to open database file"), { errcode: 14 });
}
