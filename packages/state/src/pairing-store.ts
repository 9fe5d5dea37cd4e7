import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "@imessage-channel/kit";
import { immediateTransaction } from "./immediate-transaction.ts";
import { toIsoString } from "./iso-time.ts";
import { generatePairingCode, normalizePairingCode, pairingCodesEqual } from "./pairing-code.ts";
import { StateError } from "./state-error.ts";
import { prepared } from "./statement-cache.ts";

/** The reference: pairing requests expire after 1 hour. */
export const pairingTimeToLiveMilliseconds = 60 * 60 * 1000;
/** At most this many codes wait per account, so a crowd of strangers cannot grow the file or flood the operator. */
export const maxPendingPairingsPerAccount = 3;
/** Expired requests are kept this long so `approve` can say "expired" rather than "unknown". */
export const expiredPairingRetentionMilliseconds = 24 * 60 * 60 * 1000;

/** One pairing request, shaped as `pairing list imessage --json` prints it. */
export interface PairingRequest {
  channel: "imessage";
  accountId: string;
  code: string;
  sender: string;
  chatId: string | null;
  createdAt: string;
  expiresAt: string;
}

export type PairingRequestResult = { code: string; created: boolean; expiresAt: string } | { capped: true };

export interface Approval {
  accountId: string;
  sender: string;
  chatId: string | null;
  code: string | null;
  approvedAt: string;
}

interface PairingRow {
  code: string;
  account_id: string;
  sender: string;
  chat_id: string | null;
  created_at: number;
  expires_at: number;
}

interface ApprovalRow {
  account_id: string;
  sender: string;
  chat_id: string | null;
  code: string | null;
  approved_at: number;
}

/**
 * Pairing requests and the persisted allowlist of approved senders.
 * Senders are stored as given: pass the handle already normalized (policy does that).
 */
export class PairingStore {
  readonly #database: DatabaseSync;
  readonly #clock: Pick<Clock, "now">;

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">) {
    this.#database = database;
    this.#clock = clock;
  }

  /**
   * A stranger wrote: returns their pending code (same code while it is pending), a new one, or `capped`
   * when the account already has 3 pending requests.
   */
  requestPairing(request: {
    accountId: string;
    sender: string;
    chatId?: string | number | null;
  }): PairingRequestResult {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => {
      this.#deleteLongExpired(now);
      const existing = prepared(
        this.#database,
        "SELECT code, expires_at FROM pairing_requests WHERE account_id = ? AND sender = ? AND expires_at > ? ORDER BY created_at DESC LIMIT 1",
      ).get(request.accountId, request.sender, now) as { code: string; expires_at: number } | undefined;
      if (existing) return { code: existing.code, created: false, expiresAt: toIsoString(existing.expires_at) };

      const pending = prepared(
        this.#database,
        "SELECT COUNT(*) AS count FROM pairing_requests WHERE account_id = ? AND expires_at > ?",
      ).get(request.accountId, now) as { count: number };
      if (pending.count >= maxPendingPairingsPerAccount) return { capped: true };

      // An expired request of the same sender is replaced, so its old code stops resolving to "expired".
      prepared(this.#database, "DELETE FROM pairing_requests WHERE account_id = ? AND sender = ?").run(
        request.accountId,
        request.sender,
      );
      const code = this.#unusedCode();
      const expiresAt = now + pairingTimeToLiveMilliseconds;
      prepared(
        this.#database,
        "INSERT INTO pairing_requests (code, account_id, sender, chat_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
      ).run(code, request.accountId, request.sender, optionalText(request.chatId), now, expiresAt);
      return { code, created: true, expiresAt: toIsoString(expiresAt) };
    });
  }

  /** Moves the code's sender into the allowlist and returns the request; unknown or expired codes throw. */
  approve(code: string, options: { accountId?: string } = {}): PairingRequest {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => {
      const row = this.#findLive(code, options.accountId, now);
      prepared(
        this.#database,
        `INSERT INTO approvals (account_id, sender, chat_id, code, approved_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (account_id, sender) DO UPDATE SET chat_id = excluded.chat_id, code = excluded.code, approved_at = excluded.approved_at`,
      ).run(row.account_id, row.sender, row.chat_id, row.code, now);
      prepared(this.#database, "DELETE FROM pairing_requests WHERE code = ?").run(row.code);
      return toPairingRequest(row);
    });
  }

  /** Drops a pending request without approving it; unknown or expired codes throw like `approve`. */
  reject(code: string, options: { accountId?: string } = {}): PairingRequest {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => {
      const row = this.#findLive(code, options.accountId, now);
      prepared(this.#database, "DELETE FROM pairing_requests WHERE code = ?").run(row.code);
      return toPairingRequest(row);
    });
  }

  /** Pending (unexpired) requests, oldest first. */
  listPending(options: { accountId?: string } = {}): PairingRequest[] {
    const now = this.#clock.now();
    const rows = (options.accountId === undefined
      ? prepared(this.#database, "SELECT * FROM pairing_requests WHERE expires_at > ? ORDER BY created_at, code").all(
          now,
        )
      : prepared(
          this.#database,
          "SELECT * FROM pairing_requests WHERE account_id = ? AND expires_at > ? ORDER BY created_at, code",
        ).all(options.accountId, now)) as unknown as PairingRow[];
    return rows.map(toPairingRequest);
  }

  /** Whether the sender was approved through pairing for this account (read straight from disk, no cache). */
  isApproved(accountId: string, sender: string): boolean {
    const row = prepared(this.#database, "SELECT 1 AS found FROM approvals WHERE account_id = ? AND sender = ?").get(
      accountId,
      sender,
    );
    return row !== undefined;
  }

  /** Senders approved through pairing, oldest approval first. */
  listApproved(options: { accountId?: string } = {}): Approval[] {
    const rows = (options.accountId === undefined
      ? prepared(this.#database, "SELECT * FROM approvals ORDER BY approved_at, account_id, sender").all()
      : prepared(this.#database, "SELECT * FROM approvals WHERE account_id = ? ORDER BY approved_at, sender").all(
          options.accountId,
        )) as unknown as ApprovalRow[];
    return rows.map((row) => ({
      accountId: row.account_id,
      sender: row.sender,
      chatId: row.chat_id,
      code: row.code,
      approvedAt: toIsoString(row.approved_at),
    }));
  }

  /** Deletes requests expired for longer than a day; returns how many. Expired ones stop counting at once. */
  sweepExpired(): number {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => this.#deleteLongExpired(now));
  }

  #deleteLongExpired(now: number): number {
    const result = prepared(this.#database, "DELETE FROM pairing_requests WHERE expires_at <= ?").run(
      now - expiredPairingRetentionMilliseconds,
    );
    return Number(result.changes);
  }

  #findLive(code: string, accountId: string | undefined, now: number): PairingRow {
    const wanted = normalizePairingCode(code);
    const candidates = (accountId === undefined
      ? prepared(this.#database, "SELECT * FROM pairing_requests").all()
      : prepared(this.#database, "SELECT * FROM pairing_requests WHERE account_id = ?").all(
          accountId,
        )) as unknown as PairingRow[];
    // Every row is compared (the table is small by construction) so the time taken says nothing about the code.
    let match: PairingRow | undefined;
    for (const candidate of candidates) {
      if (pairingCodesEqual(candidate.code, wanted)) match = candidate;
    }
    const scope = accountId === undefined ? "" : ` for account "${accountId}"`;
    if (!match) {
      throw new StateError(
        "PAIRING_CODE_UNKNOWN",
        `pairing code ${wanted} is unknown${scope}; run \`imessage-channel pairing list imessage\` to see pending codes`,
      );
    }
    if (match.expires_at <= now) {
      throw new StateError(
        "PAIRING_CODE_EXPIRED",
        `pairing code ${wanted} expired at ${toIsoString(match.expires_at)}; ask ${match.sender} to send a new message for a fresh code`,
      );
    }
    return match;
  }

  #unusedCode(): string {
    for (;;) {
      const code = generatePairingCode();
      const taken = prepared(this.#database, "SELECT 1 AS found FROM pairing_requests WHERE code = ?").get(code);
      if (taken === undefined) return code;
    }
  }
}

function toPairingRequest(row: PairingRow): PairingRequest {
  return {
    channel: "imessage",
    accountId: row.account_id,
    code: row.code,
    sender: row.sender,
    chatId: row.chat_id,
    createdAt: toIsoString(row.created_at),
    expiresAt: toIsoString(row.expires_at),
  };
}

export function optionalText(value: string | number | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  return String(value);
}
