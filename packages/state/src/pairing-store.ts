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

/** An approval the sender has not been told about yet (`pairing.notifyOnApprove`), as the running gateway reads it. */
export interface ApprovalNotice {
  accountId: string;
  sender: string;
  chatId: string | null;
  /** Epoch milliseconds: with the account and sender, names this approval (a re-approval is a new notice). */
  approvedAtMs: number;
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
  notice: string | null;
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

  /**
   * Moves the code's sender into the allowlist and returns the request; unknown, expired and already approved codes
   * throw. The approval waits as a notice until the running gateway told the sender (or decided not to).
   */
  approve(code: string, options: { accountId?: string } = {}): PairingRequest {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => {
      const row = this.#findLive(code, options.accountId, now);
      prepared(
        this.#database,
        `INSERT INTO approvals (account_id, sender, chat_id, code, approved_at, notice) VALUES (?, ?, ?, ?, ?, 'pending')
           ON CONFLICT (account_id, sender) DO UPDATE SET chat_id = excluded.chat_id, code = excluded.code,
             approved_at = excluded.approved_at, notice = excluded.notice`,
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
    return rows.map(toApproval);
  }

  /**
   * Takes the sender's pairing approval back (every account's, or one account's): from the next row on they are a
   * stranger again, also to a running gateway, which reads approvals from state.db for every row. Returns what was
   * removed; a sender with no approval throws `PAIRING_SENDER_NOT_APPROVED`.
   */
  revoke(sender: string, options: { accountId?: string } = {}): Approval[] {
    return immediateTransaction(this.#database, () => {
      const rows = (options.accountId === undefined
        ? prepared(this.#database, "DELETE FROM approvals WHERE sender = ? RETURNING *").all(sender)
        : prepared(this.#database, "DELETE FROM approvals WHERE account_id = ? AND sender = ? RETURNING *").all(
            options.accountId,
            sender,
          )) as unknown as ApprovalRow[];
      if (rows.length === 0) {
        const scope = options.accountId === undefined ? "" : ` for account "${options.accountId}"`;
        throw new StateError(
          "PAIRING_SENDER_NOT_APPROVED",
          `${sender} is not approved through pairing${scope}; run \`imessage-channel pairing approved\` to see who is (senders listed in allowFrom are removed from the config file)`,
        );
      }
      return rows.map(toApproval);
    });
  }

  /** Approvals of the account whose sender has not been told yet, oldest first. */
  pendingNotices(accountId: string): ApprovalNotice[] {
    const rows = prepared(
      this.#database,
      "SELECT * FROM approvals WHERE account_id = ? AND notice = 'pending' ORDER BY approved_at, sender",
    ).all(accountId) as unknown as ApprovalRow[];
    return rows.map((row) => ({
      accountId: row.account_id,
      sender: row.sender,
      chatId: row.chat_id,
      approvedAtMs: row.approved_at,
    }));
  }

  /**
   * The notice of this approval is settled (sent, handed to the outbox, or not wanted). Only this approval's: a
   * re-approval since then stays pending. Returns false when the approval is gone or was replaced.
   */
  settleNotice(notice: Pick<ApprovalNotice, "accountId" | "sender" | "approvedAtMs">): boolean {
    const result = prepared(
      this.#database,
      "UPDATE approvals SET notice = 'done' WHERE account_id = ? AND sender = ? AND approved_at = ? AND notice = 'pending'",
    ).run(notice.accountId, notice.sender, notice.approvedAtMs);
    return Number(result.changes) > 0;
  }

  /** Whether this very approval still stands (not revoked, not replaced by a re-approval). */
  approvalStands(notice: Pick<ApprovalNotice, "accountId" | "sender" | "approvedAtMs">): boolean {
    const row = prepared(
      this.#database,
      "SELECT 1 AS found FROM approvals WHERE account_id = ? AND sender = ? AND approved_at = ?",
    ).get(notice.accountId, notice.sender, notice.approvedAtMs);
    return row !== undefined;
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
      const approved = this.#approvalOfCode(wanted, accountId);
      if (approved) {
        throw new StateError(
          "PAIRING_CODE_ALREADY_APPROVED",
          `pairing code ${wanted} is already approved: ${approved.sender} (account ${approved.account_id}) may talk to the agent since ${toIsoString(approved.approved_at)}`,
        );
      }
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

  /** The approval a code led to: approving it again says "already approved", not "unknown". */
  #approvalOfCode(code: string, accountId: string | undefined): ApprovalRow | undefined {
    return (
      accountId === undefined
        ? prepared(this.#database, "SELECT * FROM approvals WHERE code = ? ORDER BY approved_at DESC LIMIT 1").get(code)
        : prepared(
            this.#database,
            "SELECT * FROM approvals WHERE account_id = ? AND code = ? ORDER BY approved_at DESC LIMIT 1",
          ).get(accountId, code)
    ) as ApprovalRow | undefined;
  }

  #unusedCode(): string {
    for (;;) {
      const code = generatePairingCode();
      const taken = prepared(this.#database, "SELECT 1 AS found FROM pairing_requests WHERE code = ?").get(code);
      if (taken === undefined) return code;
    }
  }
}

function toApproval(row: ApprovalRow): Approval {
  return {
    accountId: row.account_id,
    sender: row.sender,
    chatId: row.chat_id,
    code: row.code,
    approvedAt: toIsoString(row.approved_at),
  };
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
