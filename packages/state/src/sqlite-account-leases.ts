import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "@imessage-channel/kit";
import { type AccountLease, type AccountLeases, assertLeaseArguments, type LeaseAcquisition } from "./account-lease.ts";
import { immediateTransaction } from "./immediate-transaction.ts";
import { LeaseLostError } from "./lease-lost-error.ts";
import { prepared } from "./statement-cache.ts";

interface LeaseRow {
  account_id: string;
  holder: string;
  token: number;
  acquired_at: number;
  renewed_at: number;
  expires_at: number;
}

const selectLease =
  "SELECT account_id, holder, token, acquired_at, renewed_at, expires_at FROM account_lease WHERE account_id = ?";

/**
 * The account lease on state.db, for gateways on one host: every change in its own `BEGIN IMMEDIATE` transaction,
 * expiry by the store's clock (one host, one clock). Fenced work runs synchronously inside the write lock, so no
 * takeover can commit between the check and the commit.
 */
export class SqliteAccountLeases implements AccountLeases<DatabaseSync> {
  readonly #database: DatabaseSync;
  readonly #clock: Pick<Clock, "now">;

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">) {
    this.#database = database;
    this.#clock = clock;
  }

  async acquire(accountId: string, holder: string, ttlMs: number): Promise<LeaseAcquisition> {
    assertLeaseArguments({ accountId, holder, ttlMs });
    return immediateTransaction(this.#database, () => {
      const now = this.#clock.now();
      const expiresAt = now + ttlMs;
      const row = this.#row(accountId);
      if (row === undefined) {
        prepared(
          this.#database,
          "INSERT INTO account_lease (account_id, holder, token, acquired_at, renewed_at, expires_at) VALUES (?, ?, 1, ?, ?, ?)",
        ).run(accountId, holder, now, now, expiresAt);
        return { acquired: true, token: 1, expiresAt };
      }
      const live = row.expires_at > now;
      if (live && row.holder !== holder) return { acquired: false, holder: row.holder, expiresAt: row.expires_at };
      if (live) {
        prepared(this.#database, "UPDATE account_lease SET renewed_at = ?, expires_at = ? WHERE account_id = ?").run(
          now,
          expiresAt,
          accountId,
        );
        return { acquired: true, token: row.token, expiresAt };
      }
      const token = row.token + 1;
      prepared(
        this.#database,
        "UPDATE account_lease SET holder = ?, token = ?, acquired_at = ?, renewed_at = ?, expires_at = ? WHERE account_id = ?",
      ).run(holder, token, now, now, expiresAt, accountId);
      return { acquired: true, token, expiresAt };
    });
  }

  async renew(accountId: string, holder: string, token: number, ttlMs: number): Promise<boolean> {
    assertLeaseArguments({ accountId, holder, token, ttlMs });
    return immediateTransaction(this.#database, () => {
      const now = this.#clock.now();
      const result = prepared(
        this.#database,
        "UPDATE account_lease SET renewed_at = ?, expires_at = ? WHERE account_id = ? AND holder = ? AND token = ? AND expires_at > ?",
      ).run(now, now + ttlMs, accountId, holder, token, now);
      return Number(result.changes) > 0;
    });
  }

  async release(accountId: string, holder: string, token: number): Promise<boolean> {
    assertLeaseArguments({ accountId, holder, token });
    return immediateTransaction(this.#database, () => {
      const now = this.#clock.now();
      const result = prepared(
        this.#database,
        "UPDATE account_lease SET expires_at = ? WHERE account_id = ? AND holder = ? AND token = ? AND expires_at > ?",
      ).run(now, accountId, holder, token, now);
      return Number(result.changes) > 0;
    });
  }

  /**
   * Runs the synchronous `work` inside one `BEGIN IMMEDIATE` transaction after `fence`; `work` gets the database
   * connection. A `work` that returns a promise is refused (rolled back): awaiting inside the write lock would let
   * other writes of this connection join the transaction.
   */
  async withFencedTransaction<Result>(
    accountId: string,
    token: number,
    work: (database: DatabaseSync) => Result | Promise<Result>,
  ): Promise<Awaited<Result>> {
    return immediateTransaction(this.#database, () => {
      this.fence(accountId, token);
      const result = work(this.#database);
      if (isThenable(result)) {
        throw new TypeError(
          "withFencedTransaction on SQLite: work returned a promise; it must be synchronous (node:sqlite is)",
        );
      }
      return result as Awaited<Result>;
    });
  }

  /**
   * Throws `LeaseLostError` unless `token` is the account's current, unexpired token. Call it inside the write
   * transaction whose commit it guards (`store.transaction(() => { leases.fence(…); … })`): outside one it would
   * guard nothing, so it throws.
   */
  fence(accountId: string, token: number): void {
    assertLeaseArguments({ accountId, token });
    if (!this.#database.isTransaction) {
      throw new TypeError("fence() must run inside the write transaction it guards (store.transaction)");
    }
    const row = this.#row(accountId);
    const expired = row === undefined || row.expires_at <= this.#clock.now();
    if (row !== undefined && row.token === token && !expired) return;
    throw new LeaseLostError(
      accountId,
      token,
      row === undefined ? undefined : { token: row.token, holder: row.holder, expired },
    );
  }

  async current(accountId: string): Promise<AccountLease | undefined> {
    const row = this.#row(accountId);
    return row === undefined ? undefined : this.#lease(row, this.#clock.now());
  }

  async list(): Promise<AccountLease[]> {
    const now = this.#clock.now();
    const rows = prepared(
      this.#database,
      "SELECT account_id, holder, token, acquired_at, renewed_at, expires_at FROM account_lease ORDER BY account_id",
    ).all() as unknown as LeaseRow[];
    return rows.map((row) => this.#lease(row, now));
  }

  #row(accountId: string): LeaseRow | undefined {
    return prepared(this.#database, selectLease).get(accountId) as LeaseRow | undefined;
  }

  #lease(row: LeaseRow, now: number): AccountLease {
    return {
      accountId: row.account_id,
      holder: row.holder,
      token: row.token,
      acquiredAt: row.acquired_at,
      renewedAt: row.renewed_at,
      expiresAt: row.expires_at,
      ageMs: Math.max(0, now - row.acquired_at),
      expired: row.expires_at <= now,
    };
  }
}

function isThenable(value: unknown): boolean {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}
