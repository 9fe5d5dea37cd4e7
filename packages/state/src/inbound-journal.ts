import { hostname } from "node:os";
import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "@imessage-channel/kit";
import { immediateTransaction, notWritableReason } from "./immediate-transaction.ts";
import { prepared } from "./statement-cache.ts";

export type ClaimResult = "claimed" | "duplicate" | "in-flight";

export interface InboundJournalOptions {
  /** A claim older than this is treated as released (its owner hung or died elsewhere). Default 15 minutes. */
  claimLeaseMilliseconds?: number;
  /** Committed and released entries older than this are pruned. Default 7 days. */
  retentionMilliseconds?: number;
  /** At most this many entries are kept; the oldest settled ones go first. Default 50,000. */
  maxEntries?: number;
}

export const defaultClaimLeaseMilliseconds = 15 * 60 * 1000;
export const defaultJournalRetentionMilliseconds = 7 * 24 * 60 * 60 * 1000;
export const defaultJournalMaxEntries = 50_000;
const pruneEveryCommits = 256;

interface JournalRow {
  state: "claimed" | "committed" | "released";
  owner_host: string | null;
  owner_pid: number | null;
  claimed_at: number;
}

/**
 * Dedupe of inbound messages by guid, persisted: claim before dispatch, commit once delivered, release on failure.
 * A delivered guid is never claimed again (also after a restart); a failed one can be retried.
 */
export class InboundJournal {
  readonly #database: DatabaseSync;
  readonly #clock: Pick<Clock, "now">;
  readonly #lease: number;
  readonly #retention: number;
  readonly #maxEntries: number;
  readonly #host = hostname();
  #commitsSincePrune = 0;

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">, options: InboundJournalOptions = {}) {
    this.#database = database;
    this.#clock = clock;
    this.#lease = options.claimLeaseMilliseconds ?? defaultClaimLeaseMilliseconds;
    this.#retention = options.retentionMilliseconds ?? defaultJournalRetentionMilliseconds;
    this.#maxEntries = options.maxEntries ?? defaultJournalMaxEntries;
  }

  /**
   * `claimed`: this caller owns the guid now and must `commit` or `release` it. `duplicate`: already delivered.
   * `in-flight`: another live claim holds it. A claim whose lease ran out, or whose owner process on this host is
   * gone, counts as released.
   */
  claim(guid: string, options: { accountId: string; rowid?: number | null }): ClaimResult {
    const now = this.#clock.now();
    // Committed is final, so the common duplicate answer needs no write lock.
    if (this.stateOf(guid) === "committed") return "duplicate";
    return immediateTransaction(this.#database, () => {
      const row = prepared(
        this.#database,
        "SELECT state, owner_host, owner_pid, claimed_at FROM inbound_journal WHERE guid = ?",
      ).get(guid) as JournalRow | undefined;
      if (row?.state === "committed") return "duplicate";
      if (row?.state === "claimed" && !this.#isStale(row, now)) return "in-flight";
      prepared(
        this.#database,
        `INSERT INTO inbound_journal (guid, account_id, message_rowid, state, owner_host, owner_pid, attempts, claimed_at, updated_at)
           VALUES (?, ?, ?, 'claimed', ?, ?, 1, ?, ?)
           ON CONFLICT (guid) DO UPDATE SET state = 'claimed', owner_host = excluded.owner_host, owner_pid = excluded.owner_pid,
             attempts = attempts + 1, claimed_at = excluded.claimed_at, updated_at = excluded.updated_at,
             message_rowid = coalesce(excluded.message_rowid, message_rowid)`,
      ).run(guid, options.accountId, options.rowid ?? null, this.#host, process.pid, now, now);
      return "claimed";
    });
  }

  /** The message was delivered: the guid is a duplicate from now on, and the account's cursor may move up to it. */
  commit(guid: string, options: { accountId?: string; rowid?: number | null } = {}): void {
    const now = this.#clock.now();
    immediateTransaction(this.#database, () => {
      const row = prepared(
        this.#database,
        `INSERT INTO inbound_journal (guid, account_id, message_rowid, state, attempts, claimed_at, updated_at)
           VALUES (?, ?, ?, 'committed', 1, ?, ?)
           ON CONFLICT (guid) DO UPDATE SET state = 'committed', owner_host = NULL, owner_pid = NULL,
             updated_at = excluded.updated_at, message_rowid = coalesce(excluded.message_rowid, message_rowid)
           RETURNING account_id, message_rowid`,
      ).get(guid, options.accountId ?? "", options.rowid ?? null, now, now) as {
        account_id: string;
        message_rowid: number | null;
      };
      if (row.message_rowid !== null && row.account_id !== "") {
        prepared(
          this.#database,
          `INSERT INTO inbound_cursor (account_id, max_committed_rowid) VALUES (?, ?)
             ON CONFLICT (account_id) DO UPDATE SET max_committed_rowid = max(max_committed_rowid, excluded.max_committed_rowid)`,
        ).run(row.account_id, row.message_rowid);
      }
    });
    // A gateway may run for weeks: keep the journal bounded without waiting for the next open.
    this.#commitsSincePrune += 1;
    if (this.#commitsSincePrune >= pruneEveryCommits) {
      try {
        this.prune();
        this.#commitsSincePrune = 0;
      } catch (error) {
        // The commit itself is on disk; a prune that met a locked or full state.db runs after the next commit.
        if (notWritableReason(error) === undefined) throw error;
      }
    }
  }

  /** Delivery failed: a later `claim` of the guid succeeds again. A committed guid stays committed. */
  release(guid: string): void {
    const now = this.#clock.now();
    immediateTransaction(this.#database, () => {
      prepared(
        this.#database,
        "UPDATE inbound_journal SET state = 'released', owner_host = NULL, owner_pid = NULL, updated_at = ? WHERE guid = ? AND state = 'claimed'",
      ).run(now, guid);
    });
  }

  /** `claimed`, `committed`, `released`, or undefined when the guid is not in the journal. */
  stateOf(guid: string): "claimed" | "committed" | "released" | undefined {
    const row = prepared(this.#database, "SELECT state FROM inbound_journal WHERE guid = ?").get(guid) as
      | { state: "claimed" | "committed" | "released" }
      | undefined;
    return row?.state;
  }

  /** The highest chat.db rowid committed for the account, or undefined before the first commit. */
  maxCommittedRowid(accountId: string): number | undefined {
    const row = prepared(this.#database, "SELECT max_committed_rowid FROM inbound_cursor WHERE account_id = ?").get(
      accountId,
    ) as { max_committed_rowid: number } | undefined;
    return row?.max_committed_rowid;
  }

  /**
   * Releases claims left by processes of this host that no longer run (killed between claim and commit).
   * Called on every open; returns how many claims were released.
   */
  releaseOrphanedClaims(): number {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => {
      const rows = prepared(
        this.#database,
        "SELECT guid, owner_pid FROM inbound_journal WHERE state = 'claimed' AND owner_host = ?",
      ).all(this.#host) as Array<{ guid: string; owner_pid: number | null }>;
      let released = 0;
      for (const row of rows) {
        if (row.owner_pid === null || isProcessAlive(row.owner_pid)) continue;
        prepared(
          this.#database,
          "UPDATE inbound_journal SET state = 'released', owner_host = NULL, owner_pid = NULL, updated_at = ? WHERE guid = ?",
        ).run(now, row.guid);
        released += 1;
      }
      return released;
    });
  }

  /** Drops settled entries past the retention and the oldest beyond the size cap; returns how many went. */
  prune(): number {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => {
      const byAge = prepared(
        this.#database,
        "DELETE FROM inbound_journal WHERE updated_at < ? AND (state != 'claimed' OR claimed_at < ?)",
      ).run(now - this.#retention, now - this.#lease);
      const bySize = prepared(
        this.#database,
        `DELETE FROM inbound_journal WHERE guid IN (
             SELECT guid FROM inbound_journal WHERE state != 'claimed' ORDER BY updated_at DESC, rowid DESC LIMIT -1 OFFSET ?)`,
      ).run(this.#maxEntries);
      return Number(byAge.changes) + Number(bySize.changes);
    });
  }

  #isStale(row: JournalRow, now: number): boolean {
    if (now - row.claimed_at >= this.#lease) return true;
    if (row.owner_host !== this.#host || row.owner_pid === null || row.owner_pid === process.pid) return false;
    return !isProcessAlive(row.owner_pid);
  }
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
