import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The one line a missing server gives: tests that need PostgreSQL fail, never skip. */
export const postgresNotFoundMessage =
  "PostgreSQL server not found (initdb): apt-get install postgresql — bash .ci/run installs it";

/** Where to look (tests point these at empty places). */
export interface PostgresSearch {
  /** The `pg_config` to ask for `--bindir` (default `pg_config` on PATH). */
  pgConfig?: string;
  /** Debian's root of versioned server directories (default `/usr/lib/postgresql`). */
  debianRoot?: string;
  /** A PATH-style list of directories (default `$PATH`). */
  path?: string;
}

/**
 * The directory holding `initdb`, `pg_ctl` and `postgres`: `pg_config --bindir`, else the newest
 * `/usr/lib/postgresql/<version>/bin` (Debian keeps the server binaries off PATH), else the first one on PATH.
 * Throws `postgresNotFoundMessage` when none has them.
 */
export function findPostgresBinaries(search: PostgresSearch = {}): string {
  const candidates = [
    bindirOfPgConfig(search.pgConfig ?? "pg_config"),
    ...debianBinDirs(search.debianRoot ?? "/usr/lib/postgresql"),
    ...(search.path ?? process.env.PATH ?? "").split(delimiter),
  ];
  for (const directory of candidates) {
    if (directory && hasPostgresServer(directory)) return directory;
  }
  throw new Error(postgresNotFoundMessage);
}

export function hasPostgresServer(directory: string): boolean {
  return ["initdb", "pg_ctl", "postgres"].every((name) => existsSync(join(directory, name)));
}

function bindirOfPgConfig(pgConfig: string): string | undefined {
  try {
    return execFileSync(pgConfig, ["--bindir"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined; // no pg_config (it comes with libpq-dev): look elsewhere
  }
}

function debianBinDirs(root: string): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((left, right) => Number(right) - Number(left))
    .map((version) => join(root, version, "bin"));
}
