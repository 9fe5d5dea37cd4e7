import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "@imessage-channel/kit";
import { immediateTransaction } from "./immediate-transaction.ts";
import { prepared } from "./statement-cache.ts";

/** Small string values that must survive restarts, e.g. "this warning was already shown". */
export class MetaStore {
  readonly #database: DatabaseSync;
  readonly #clock: Pick<Clock, "now">;

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">) {
    this.#database = database;
    this.#clock = clock;
  }

  getMeta(key: string): string | undefined {
    const row = prepared(this.#database, "SELECT value FROM meta WHERE key = ?").get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    const now = this.#clock.now();
    immediateTransaction(this.#database, () => {
      prepared(
        this.#database,
        "INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      ).run(key, value, now);
    });
  }

  /** Sets the value only when the key is absent; true for the one caller (in any process) that set it. */
  setMetaIfAbsent(key: string, value: string): boolean {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => {
      const result = prepared(
        this.#database,
        "INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING",
      ).run(key, value, now);
      return Number(result.changes) > 0;
    });
  }

  deleteMeta(key: string): boolean {
    return immediateTransaction(this.#database, () => {
      const result = prepared(this.#database, "DELETE FROM meta WHERE key = ?").run(key);
      return Number(result.changes) > 0;
    });
  }
}
