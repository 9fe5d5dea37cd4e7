import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createChatDb } from "../chat-db-schema.ts";
import { exampleChatDbSql } from "../example-data.ts";

export interface TempChatDb {
  directory: string;
  home: string;
  dbPath: string;
  remove: () => void;
}

/**
 * A temp dir holding `chat.db` built from the example rows' inserts (docs/imsg-protocol.md#example-rows), plus an empty
 * `home` for attachment paths.
 */
export function exampleChatDb(prefix = "imsg-sim-"): TempChatDb {
  const directory = mkdtempSync(join(tmpdir(), prefix));
  const dbPath = join(directory, "chat.db");
  createChatDb(dbPath);
  const database = new DatabaseSync(dbPath);
  database.exec(exampleChatDbSql);
  database.close();
  return {
    directory,
    home: join(directory, "home"),
    dbPath,
    remove: () => rmSync(directory, { recursive: true, force: true }),
  };
}

/** Runs SQL against the db with a separate writer connection (the way another process would). */
export function execSql(dbPath: string, sql: string): void {
  const database = new DatabaseSync(dbPath, { timeout: 5000 });
  database.exec(sql);
  database.close();
}
