import {
  type AccountLease,
  type AccountLeases,
  assertLeaseArguments,
  type LeaseAcquisition,
  LeaseLostError,
} from "@imessage-channel/state";
import type pg from "pg";

export interface PostgresAccountLeasesOptions {
  /**
   * How long a fenced transaction may sit idle (its caller paused or gone) before the server ends it and frees
   * the lease row's lock, so a takeover is never blocked for longer (default 10 s).
   */
  fencedIdleTimeoutMs?: number;
}

interface LeaseRow {
  account_id: string;
  holder: string;
  token: string;
  acquired_at: Date;
  renewed_at: Date;
  expires_at: Date;
  age_ms: number;
  expired: boolean;
}

const leaseColumns = `account_id, holder, token, acquired_at, renewed_at, expires_at,
  greatest(0, extract(epoch FROM clock_timestamp() - acquired_at) * 1000)::float8 AS age_ms,
  expires_at <= clock_timestamp() AS expired`;

/**
 * One time for the whole statement, read from the DATABASE's clock (`clock_timestamp()`): expiry never depends on
 * a gateway's clock, so a host whose clock is off cannot make two owners.
 */
const acquireStatement = `
  WITH now AS (SELECT clock_timestamp() AS at)
  INSERT INTO account_lease AS lease (account_id, holder, token, acquired_at, renewed_at, expires_at)
  SELECT $1, $2, 1, now.at, now.at, now.at + $3 * interval '1 millisecond' FROM now
  ON CONFLICT (account_id) DO UPDATE SET
    holder = excluded.holder,
    token = CASE WHEN lease.expires_at > excluded.renewed_at THEN lease.token ELSE lease.token + 1 END,
    acquired_at = CASE WHEN lease.expires_at > excluded.renewed_at THEN lease.acquired_at ELSE excluded.acquired_at END,
    renewed_at = excluded.renewed_at,
    expires_at = excluded.expires_at
  WHERE lease.expires_at <= excluded.renewed_at OR lease.holder = excluded.holder
  RETURNING token, expires_at`;

/**
 * The account lease on PostgreSQL, for a fleet of gateways. `withFencedTransaction` hands `work` the
 * transaction's client after locking the lease row `FOR SHARE`: a takeover's write of that row waits until this
 * transaction ends, so the fenced work commits before the takeover or not at all.
 */
export class PostgresAccountLeases implements AccountLeases<pg.PoolClient> {
  readonly #pool: pg.Pool;
  readonly #fencedIdleTimeoutMs: number;

  constructor(pool: pg.Pool, options: PostgresAccountLeasesOptions = {}) {
    const idle = options.fencedIdleTimeoutMs ?? 10_000;
    if (!Number.isSafeInteger(idle) || idle <= 0) {
      throw new RangeError(`fencedIdleTimeoutMs: ${idle} is not a whole number of milliseconds > 0`);
    }
    this.#pool = pool;
    this.#fencedIdleTimeoutMs = idle;
  }

  async acquire(accountId: string, holder: string, ttlMs: number): Promise<LeaseAcquisition> {
    assertLeaseArguments({ accountId, holder, ttlMs });
    return this.#transaction(async (client) => {
      const granted = await client.query<{ token: string; expires_at: Date }>(acquireStatement, [
        accountId,
        holder,
        ttlMs,
      ]);
      const row = granted.rows[0];
      if (row !== undefined) return { acquired: true, token: Number(row.token), expiresAt: row.expires_at.getTime() };
      // Refused: the upsert left the row locked, so this read sees the holder that refused us.
      const held = await client.query<{ holder: string; expires_at: Date }>(
        "SELECT holder, expires_at FROM account_lease WHERE account_id = $1",
        [accountId],
      );
      const current = held.rows[0] as { holder: string; expires_at: Date };
      return { acquired: false, holder: current.holder, expiresAt: current.expires_at.getTime() };
    });
  }

  async renew(accountId: string, holder: string, token: number, ttlMs: number): Promise<boolean> {
    assertLeaseArguments({ accountId, holder, token, ttlMs });
    const result = await this.#pool.query(
      `UPDATE account_lease SET renewed_at = clock_timestamp(), expires_at = clock_timestamp() + $4 * interval '1 millisecond'
       WHERE account_id = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()`,
      [accountId, holder, token, ttlMs],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async release(accountId: string, holder: string, token: number): Promise<boolean> {
    assertLeaseArguments({ accountId, holder, token });
    const result = await this.#pool.query(
      `UPDATE account_lease SET expires_at = clock_timestamp()
       WHERE account_id = $1 AND holder = $2 AND token = $3 AND expires_at > clock_timestamp()`,
      [accountId, holder, token],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async withFencedTransaction<Result>(
    accountId: string,
    token: number,
    work: (client: pg.PoolClient) => Result | Promise<Result>,
  ): Promise<Awaited<Result>> {
    assertLeaseArguments({ accountId, token });
    return this.#transaction(async (client): Promise<Awaited<Result>> => {
      // A paused caller must not hold the row lock (and so block every takeover) for longer than this.
      await client.query("SELECT set_config('idle_in_transaction_session_timeout', $1, true)", [
        String(this.#fencedIdleTimeoutMs),
      ]);
      const { rows } = await client.query<{ holder: string; token: string; expired: boolean }>(
        "SELECT holder, token, expires_at <= clock_timestamp() AS expired FROM account_lease WHERE account_id = $1 FOR SHARE",
        [accountId],
      );
      const row = rows[0];
      if (row === undefined || Number(row.token) !== token || row.expired) {
        throw new LeaseLostError(
          accountId,
          token,
          row === undefined ? undefined : { token: Number(row.token), holder: row.holder, expired: row.expired },
        );
      }
      return (await work(client)) as Awaited<Result>;
    });
  }

  async current(accountId: string): Promise<AccountLease | undefined> {
    const { rows } = await this.#pool.query<LeaseRow>(
      `SELECT ${leaseColumns} FROM account_lease WHERE account_id = $1`,
      [accountId],
    );
    return rows[0] === undefined ? undefined : toLease(rows[0]);
  }

  async list(): Promise<AccountLease[]> {
    const { rows } = await this.#pool.query<LeaseRow>(`SELECT ${leaseColumns} FROM account_lease ORDER BY account_id`);
    return rows.map(toLease);
  }

  async #transaction<Result>(work: (client: pg.PoolClient) => Promise<Result>): Promise<Result> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    // A checked-out client's connection error (the server ended an idle transaction, a restart) is emitted on the
    // client; unheard it would end the process. The query in flight fails with it anyway.
    const onError = (error: Error) => {
      broken = error;
    };
    client.on("error", onError);
    try {
      await client.query("BEGIN");
      const result = await work(client);
      await client.query("COMMIT");
      return result;
    } catch (error) {
      await client.query("ROLLBACK").catch((rollbackFailed: Error) => {
        broken ??= rollbackFailed; // the connection is gone or unusable: do not hand it out again
      });
      throw error;
    } finally {
      client.off("error", onError);
      client.release(broken);
    }
  }
}

function toLease(row: LeaseRow): AccountLease {
  return {
    accountId: row.account_id,
    holder: row.holder,
    token: Number(row.token),
    acquiredAt: row.acquired_at.getTime(),
    renewedAt: row.renewed_at.getTime(),
    expiresAt: row.expires_at.getTime(),
    ageMs: Math.round(row.age_ms),
    expired: row.expired,
  };
}
