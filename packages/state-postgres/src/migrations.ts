import type pg from "pg";
import { PostgresStateError } from "./postgres-state-error.ts";

/**
 * Schema migrations, applied in order; `imessage_channel_migrations` records each one applied.
 * Append only: never edit a migration that has shipped.
 */
export const postgresMigrations: readonly string[] = [
  // 1: the account lease with its fencing token (one owner per account across the fleet).
  `
  CREATE TABLE account_lease (
    account_id text PRIMARY KEY,
    holder text NOT NULL,
    token bigint NOT NULL CHECK (token > 0),
    acquired_at timestamptz NOT NULL,
    renewed_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );
  `,
];

export const latestPostgresSchemaVersion = postgresMigrations.length;

/** The advisory lock every gateway takes to migrate (two int4 keys: "IMCH", 1), so one migrates at a time. */
const migrationLock = [0x494d4348, 1] as const;

/**
 * Applies the missing migrations in one transaction under a transaction-scoped advisory lock: gateways starting
 * at once wait for each other, and the later ones find nothing left to do.
 */
export async function migratePostgres(client: pg.PoolClient, description: string): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1, $2)", [...migrationLock]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS imessage_channel_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())",
    );
    const { rows } = await client.query<{ version: number | null }>(
      "SELECT max(version) AS version FROM imessage_channel_migrations",
    );
    const current = rows[0]?.version ?? 0;
    if (current > latestPostgresSchemaVersion) {
      throw new PostgresStateError(
        "POSTGRES_SCHEMA_TOO_NEW",
        `state.postgres ${description}: schema version ${current} is newer than this build understands (${latestPostgresSchemaVersion}); upgrade imessage-channel on this host`,
      );
    }
    for (let version = current + 1; version <= latestPostgresSchemaVersion; version += 1) {
      await client.query(postgresMigrations[version - 1] as string);
      await client.query("INSERT INTO imessage_channel_migrations (version) VALUES ($1)", [version]);
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}
