import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/**
 * The account lease: each account is owned by at most one gateway at a time. The lease row carries the holder and a
 * fencing token that only ever increases (across holders and releases), so a write made under an old token can be
 * refused after another gateway took over. Two implementations: SQLite on state.db (gateways on one host) and
 * PostgreSQL (`@imessage-channel/state-postgres`, a fleet).
 */
export interface AccountLeases<Transaction = unknown> {
  /**
   * Takes the lease when it is free or expired (a new, higher token), renews it when this holder already holds it
   * (the same token), or reports who holds it. One transaction.
   */
  acquire(accountId: string, holder: string, ttlMs: number): Promise<LeaseAcquisition>;
  /** True only while this holder still holds this token unexpired; the lease then runs `ttlMs` from now. */
  renew(accountId: string, holder: string, token: number, ttlMs: number): Promise<boolean>;
  /** Ends the lease now (it expires; the token stays, so the next holder's is higher). False when not held. */
  release(accountId: string, holder: string, token: number): Promise<boolean>;
  /**
   * Runs `work` in one write transaction that commits only while `token` is the account's current, unexpired
   * token; throws `LeaseLostError` (and rolls back) otherwise. No takeover can commit between the check and the
   * commit: PostgreSQL holds a lock on the lease row, SQLite the database's write lock.
   */
  withFencedTransaction<Result>(
    accountId: string,
    token: number,
    work: (transaction: Transaction) => Result | Promise<Result>,
  ): Promise<Awaited<Result>>;
  /** The account's lease row (also an expired or released one), or undefined when it never had one. */
  current(accountId: string): Promise<AccountLease | undefined>;
  /** Every account's lease row, by account id: the fleet view. */
  list(): Promise<AccountLease[]>;
}

export type LeaseAcquisition = LeaseGranted | LeaseRefused;

export interface LeaseGranted {
  acquired: true;
  token: number;
  /** Epoch milliseconds, by the database's clock on PostgreSQL. */
  expiresAt: number;
}

export interface LeaseRefused {
  acquired: false;
  /** Who holds it now. */
  holder: string;
  expiresAt: number;
}

export interface AccountLease {
  accountId: string;
  holder: string;
  token: number;
  /** When this holder took it with this token (epoch ms). */
  acquiredAt: number;
  renewedAt: number;
  expiresAt: number;
  /** How long this holder has held it: now − acquiredAt (the database's now on PostgreSQL). */
  ageMs: number;
  /** Expired or released: the next `acquire` by anyone takes it. */
  expired: boolean;
}

/** A gateway's holder id: host, pid and a random part, so a restarted process on a reused pid is another holder. */
export function newLeaseHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** Throws a RangeError naming the argument unless the lease arguments are usable. */
export function assertLeaseArguments(values: { accountId?: string; ttlMs?: number; token?: number; holder?: string }) {
  if (values.accountId !== undefined && values.accountId === "") {
    throw new RangeError("accountId: an empty string names no account");
  }
  if (values.holder !== undefined && values.holder === "") {
    throw new RangeError("holder: an empty string names no gateway; use newLeaseHolderId()");
  }
  if (values.ttlMs !== undefined && (!Number.isSafeInteger(values.ttlMs) || values.ttlMs <= 0)) {
    throw new RangeError(`ttlMs: ${values.ttlMs} is not a whole number of milliseconds > 0`);
  }
  if (values.token !== undefined && (!Number.isSafeInteger(values.token) || values.token <= 0)) {
    throw new RangeError(`token: ${values.token} is not a fencing token (a whole number > 0 from acquire)`);
  }
}
