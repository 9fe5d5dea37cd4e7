import type pg from "pg";
import { parse } from "pg-connection-string";
import { PostgresStateError } from "./postgres-state-error.ts";

export interface SslSettings {
  /** Refuse a server certificate that does not verify (pg's default with `ssl` set: true). */
  rejectUnauthorized?: boolean;
  /** The CA certificate(s), PEM, that the server's certificate must chain to. */
  ca?: string;
}

export interface ConnectionTarget {
  /** What `pg.Pool` is given. */
  config: pg.PoolConfig;
  /** `host:port/database`, for messages: never the URL, never the password. */
  description: string;
  /** The password, so a message that happens to contain it can be scrubbed. */
  password: string | undefined;
}

/**
 * Turns `state.postgres.url` (or, without one, pg's PG* environment variables) and the TLS settings into a pool
 * config. Without `ssl` pg follows the URL's `sslmode` (or PGSSLMODE); with `ssl` those settings are what pg uses.
 */
export function connectionTarget(
  url: string | undefined,
  ssl: SslSettings | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionTarget {
  let parsed: ReturnType<typeof parse> | undefined;
  if (url !== undefined) {
    try {
      parsed = parse(url);
    } catch {
      // The parser's error can quote the URL, password and all: say what is wrong without it.
      throw new PostgresStateError(
        "POSTGRES_URL_INVALID",
        "state.postgres.url is not a PostgreSQL connection URL: write it as postgresql://user:password@host:5432/database",
      );
    }
  }
  const host = parsed?.host ?? env.PGHOST ?? "localhost";
  const port = parsed?.port ?? env.PGPORT ?? "5432";
  const database = parsed?.database ?? env.PGDATABASE ?? parsed?.user ?? env.PGUSER ?? "(the user's database)";
  const config: pg.PoolConfig = url === undefined ? {} : { connectionString: url };
  if (ssl !== undefined) {
    // pg lets a connection string's sslmode override the ssl option: pass the URL's parts instead.
    if (parsed !== undefined) {
      const { ssl: _fromUrl, sslmode: _mode, ...rest } = parsed;
      Object.assign(config, withoutNulls(rest));
      delete config.connectionString;
    }
    config.ssl = { ...ssl };
  }
  return {
    config,
    description: `${host}:${port}/${database}`,
    password: parsed?.password ?? env.PGPASSWORD,
  };
}

function withoutNulls(values: Record<string, unknown>): pg.PoolConfig {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined));
}
