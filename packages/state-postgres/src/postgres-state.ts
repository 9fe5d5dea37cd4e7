import { errorMessage } from "@imessage-channel/kit";
import pg from "pg";
import { type ConnectionTarget, connectionTarget, type SslSettings } from "./connection-target.ts";
import { migratePostgres } from "./migrations.ts";
import { PostgresAccountLeases, type PostgresAccountLeasesOptions } from "./postgres-account-leases.ts";
import { PostgresStateError } from "./postgres-state-error.ts";

export interface OpenPostgresStateOptions {
  /** `state.postgres.url`: `postgresql://user:password@host:5432/database`; without it pg reads PGHOST, PGPORT, … */
  url?: string;
  /** TLS settings handed to pg; without them pg follows the URL's `sslmode` (or PGSSLMODE). */
  ssl?: SslSettings;
  /** Pool size (default 10). */
  maxConnections?: number;
  /** How long a new connection may take (default 10 s). */
  connectTimeoutMs?: number;
  leases?: PostgresAccountLeasesOptions;
  /** An idle pooled connection failed (the server restarted): the pool replaces it; this only reports it. */
  onError?: (error: PostgresStateError) => void;
}

/** The gateway's connection to the fleet's PostgreSQL: a pool, the schema migrated, the stores on it. */
export interface PostgresState {
  /** `host:port/database`: what messages and logs may show (never the URL or the password). */
  readonly target: string;
  readonly pool: pg.Pool;
  readonly leases: PostgresAccountLeases;
  /** Ends the pool once every connection is back; calling it again returns the same promise. */
  close(): Promise<void>;
}

/**
 * Connects, applies the missing migrations (one transaction under an advisory lock, so gateways starting together
 * do not race) and returns the state. Throws `PostgresStateError` naming host:port/database when the server
 * cannot be reached or refuses the login.
 */
export async function openPostgresState(options: OpenPostgresStateOptions = {}): Promise<PostgresState> {
  const target = connectionTarget(options.url, options.ssl);
  const pool = new pg.Pool({
    ...target.config,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: "imessage-channel",
  });
  // An idle client's error is emitted on the pool; unhandled it would end the process.
  pool.on("error", (error) => options.onError?.(unavailable(target, error)));
  try {
    const client = await pool.connect();
    try {
      await migratePostgres(client, target.description);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw PostgresStateError.isInstance(error) ? error : unavailable(target, error);
  }
  let closed: Promise<void> | undefined;
  return {
    target: target.description,
    pool,
    leases: new PostgresAccountLeases(pool, options.leases),
    close() {
      closed ??= pool.end();
      return closed;
    },
  };
}

function unavailable(target: ConnectionTarget, error: unknown): PostgresStateError {
  let reason = errorMessage(error);
  if (target.password) reason = reason.replaceAll(target.password, "***");
  return new PostgresStateError(
    "POSTGRES_UNAVAILABLE",
    `state.postgres ${target.description}: ${reason}; check state.postgres.url (host, port, database, user, password) and that the server accepts connections from this host`,
    { cause: error },
  );
}
