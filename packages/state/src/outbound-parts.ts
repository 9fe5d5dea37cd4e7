import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "@imessage-channel/kit";
import { immediateTransaction } from "./immediate-transaction.ts";
import { StateError } from "./state-error.ts";
import { prepared } from "./statement-cache.ts";

/**
 * Where an outbound part is (docs/exactly-once.md): `planned` (not sent yet), `sending` (an attempt may be on the
 * wire), `sent`/`delivered` (imsg or the chat's history proved it), `failed` (imsg refused it, or Messages marked it
 * failed), `unknown` (nothing could prove either way: never sent again without the operator), `dropped` (the
 * operator gave it up).
 */
export type OutboundPartState = "planned" | "sending" | "sent" | "delivered" | "failed" | "unknown" | "dropped";

export const outboundPartStates: readonly OutboundPartState[] = [
  "planned",
  "sending",
  "sent",
  "delivered",
  "failed",
  "unknown",
  "dropped",
];

/** Why the gateway sends a message: an agent's reply, a chat command's answer, or one of its own texts. */
export type OutboundOrigin = "reply" | "command" | "pairing" | "error" | "notice";

/** What a part is: one `send` of text, one `send` of a file, or one agent action (react, edit, …). */
export type OutboundPartKind = "text" | "file" | "action";

/** How the last attempt was made: `send.tracked` with our own guid, a plain `send` checked against history, an action. */
export type OutboundSendMode = "tracked" | "history" | "action";

export interface PlannedPart {
  kind: OutboundPartKind;
  /** What to send, as JSON (the `send` call, or the action with its params). */
  call: unknown;
  /** Up to 40 characters the operator recognises the part by (its text, its file name, the action). */
  preview: string;
}

export interface OutboundDeliveryInput {
  /** Stable across restarts: the same reply planned again finds its parts instead of making new ones. */
  id: string;
  accountId: string;
  origin: OutboundOrigin;
  /** Where it goes (the channel's chat address), as JSON. */
  chat: unknown;
}

export interface OutboundPart {
  /** The operator's handle on the part (`outbox resolve <id>`). */
  id: number;
  /** `<delivery id>#<seq>`: what the part's tracked guid is derived from. */
  key: string;
  deliveryId: string;
  seq: number;
  accountId: string;
  origin: OutboundOrigin;
  kind: OutboundPartKind;
  chat: unknown;
  call: unknown;
  preview: string;
  state: OutboundPartState;
  mode?: OutboundSendMode;
  /** Attempts with a new identity so far; a tracked part's guid is derived from its key and this number. */
  attempt: number;
  /** The message guid: the tracked attempt's own, the one imsg answered, or the row history matched. */
  guid?: string;
  rowid?: number;
  /** Why it is failed or unknown, or how it was resolved. */
  detail?: string;
  /** When the first attempt started: a history lookup takes rows from then on (less a tolerance). */
  firstAttemptAt?: number;
  /** When Messages was last asked whether this tracked part was delivered (`awaitingDelivery`). */
  checkedAt?: number;
  createdAt: number;
  updatedAt: number;
}

export interface OutboundPartUpdate {
  state: OutboundPartState;
  mode?: OutboundSendMode;
  attempt?: number;
  guid?: string;
  rowid?: number;
  detail?: string;
  firstAttemptAt?: number;
  checkedAt?: number;
}

/** What the operator decided for a part imsg could not settle (`imessage-channel outbox resolve`). */
export type OutboundResolution = "sent" | "resend" | "drop";

/** Finished parts are kept this long for `outbox list` and the history lookup's exclusions, then pruned. */
export const outboundPartRetentionMilliseconds = 7 * 24 * 60 * 60 * 1000;

interface PartRow {
  id: number;
  part_key: string;
  delivery_id: string;
  seq: number;
  account_id: string;
  origin: string;
  kind: string;
  chat_json: string;
  call_json: string;
  preview: string;
  state: string;
  mode: string | null;
  attempt: number;
  message_guid: string | null;
  message_rowid: number | null;
  detail: string | null;
  first_attempt_at: number | null;
  checked_at: number | null;
  created_at: number;
  updated_at: number;
}

function partOf(row: PartRow): OutboundPart {
  return {
    id: row.id,
    key: row.part_key,
    deliveryId: row.delivery_id,
    seq: row.seq,
    accountId: row.account_id,
    origin: row.origin as OutboundOrigin,
    kind: row.kind as OutboundPartKind,
    chat: JSON.parse(row.chat_json) as unknown,
    call: JSON.parse(row.call_json) as unknown,
    preview: row.preview,
    state: row.state as OutboundPartState,
    ...(row.mode === null ? {} : { mode: row.mode as OutboundSendMode }),
    attempt: row.attempt,
    ...(row.message_guid === null ? {} : { guid: row.message_guid }),
    ...(row.message_rowid === null ? {} : { rowid: row.message_rowid }),
    ...(row.detail === null ? {} : { detail: row.detail }),
    ...(row.first_attempt_at === null ? {} : { firstAttemptAt: row.first_attempt_at }),
    ...(row.checked_at === null ? {} : { checkedAt: row.checked_at }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The first 40 characters of a text, on one line: how a part is named in warnings and `outbox list`. */
export function partPreview(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  const characters = Array.from(line);
  return characters.length <= 40 ? line : `${characters.slice(0, 40).join("")}…`;
}

const settledStates: readonly OutboundPartState[] = ["sent", "delivered", "dropped"];

/**
 * Every message the gateway sends, as a part with an identity and a persisted state (docs/exactly-once.md). A
 * delivery's parts are planned before the first is sent, each is marked `sending` before its request is written,
 * and a part whose outcome was lost (a timeout, a child or gateway killed mid-send) is settled only by proof.
 */
export class OutboundParts {
  readonly #database: DatabaseSync;
  readonly #clock: Pick<Clock, "now">;

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">) {
    this.#database = database;
    this.#clock = clock;
  }

  /** Plans a delivery's parts, in order; a delivery planned before (a restart) keeps its parts and their states. */
  plan(delivery: OutboundDeliveryInput, parts: readonly PlannedPart[]): OutboundPart[] {
    const now = this.#clock.now();
    const planned = immediateTransaction(this.#database, () => {
      const existing = prepared(this.#database, "SELECT 1 FROM outbound_part WHERE delivery_id = ? LIMIT 1").get(
        delivery.id,
      );
      if (existing) return undefined;
      const insert = prepared(
        this.#database,
        `INSERT INTO outbound_part (part_key, delivery_id, seq, account_id, origin, kind, chat_json, call_json, preview,
           state, attempt, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'planned', 0, ?, ?)`,
      );
      const chatJson = JSON.stringify(delivery.chat);
      return parts.map((part, seq): OutboundPart => {
        const callJson = JSON.stringify(part.call);
        const key = `${delivery.id}#${seq}`;
        const { lastInsertRowid } = insert.run(
          key,
          delivery.id,
          seq,
          delivery.accountId,
          delivery.origin,
          part.kind,
          chatJson,
          callJson,
          part.preview,
          now,
          now,
        );
        // What reading the row back would give (JSON round-tripped), without reading it back.
        return {
          id: Number(lastInsertRowid),
          key,
          deliveryId: delivery.id,
          seq,
          accountId: delivery.accountId,
          origin: delivery.origin,
          kind: part.kind,
          chat: JSON.parse(chatJson) as unknown,
          call: JSON.parse(callJson) as unknown,
          preview: part.preview,
          state: "planned",
          attempt: 0,
          createdAt: now,
          updatedAt: now,
        };
      });
    });
    return planned ?? this.partsOf(delivery.id);
  }

  /** A delivery's parts in order (empty when it was never planned, or pruned). */
  partsOf(deliveryId: string): OutboundPart[] {
    const rows = prepared(this.#database, "SELECT * FROM outbound_part WHERE delivery_id = ? ORDER BY seq").all(
      deliveryId,
    ) as unknown as PartRow[];
    return rows.map(partOf);
  }

  get(id: number): OutboundPart | undefined {
    const row = prepared(this.#database, "SELECT * FROM outbound_part WHERE id = ?").get(id) as PartRow | undefined;
    return row ? partOf(row) : undefined;
  }

  /**
   * Records a part's new state (and what proved it); fields left out keep their value. A state.db that cannot take
   * the write (locked, full) throws `STATE_DB_NOT_WRITABLE`, so the sender knows nothing was written.
   */
  update(id: number, update: OutboundPartUpdate): OutboundPart {
    return immediateTransaction(this.#database, () => this.#update(id, update));
  }

  #update(id: number, update: OutboundPartUpdate): OutboundPart {
    const now = this.#clock.now();
    const row = prepared(
      this.#database,
      `UPDATE outbound_part SET state = ?, mode = COALESCE(?, mode), attempt = COALESCE(?, attempt),
         message_guid = COALESCE(?, message_guid), message_rowid = COALESCE(?, message_rowid),
         detail = COALESCE(?, detail), first_attempt_at = COALESCE(first_attempt_at, ?),
         checked_at = COALESCE(?, checked_at), updated_at = ?
       WHERE id = ? RETURNING *`,
    ).get(
      update.state,
      update.mode ?? null,
      update.attempt ?? null,
      update.guid ?? null,
      update.rowid ?? null,
      update.detail ?? null,
      update.firstAttemptAt ?? null,
      update.checkedAt ?? null,
      now,
      id,
    ) as PartRow | undefined;
    if (!row) throw new StateError("OUTBOX_PART_UNKNOWN", `outbox part ${id} does not exist`);
    return partOf(row);
  }

  /** Parts by state (all states when none is given), newest first. */
  list(filter: { accountId?: string; states?: readonly OutboundPartState[]; limit?: number } = {}): OutboundPart[] {
    const where: string[] = [];
    const values: (string | number)[] = [];
    if (filter.accountId !== undefined) {
      where.push("account_id = ?");
      values.push(filter.accountId);
    }
    if (filter.states?.length) {
      where.push(`state IN (${filter.states.map(() => "?").join(", ")})`);
      values.push(...filter.states);
    }
    const sql = `SELECT * FROM outbound_part ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
      ORDER BY id DESC LIMIT ?`;
    const rows = this.#database.prepare(sql).all(...values, filter.limit ?? 1000) as unknown as PartRow[];
    return rows.map(partOf);
  }

  /** How many parts are in each state (every state present, zero or not). */
  counts(accountId?: string): Record<OutboundPartState, number> {
    const counts = Object.fromEntries(outboundPartStates.map((state) => [state, 0])) as Record<
      OutboundPartState,
      number
    >;
    const rows = (
      accountId === undefined
        ? prepared(this.#database, "SELECT state, COUNT(*) AS n FROM outbound_part GROUP BY state").all()
        : prepared(
            this.#database,
            "SELECT state, COUNT(*) AS n FROM outbound_part WHERE account_id = ? GROUP BY state",
          ).all(accountId)
    ) as { state: OutboundPartState; n: number }[];
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /** Deliveries of the account with a part still to send or to settle (`planned`, `sending`), oldest first. */
  openDeliveries(accountId: string): string[] {
    const rows = prepared(
      this.#database,
      `SELECT delivery_id, MIN(id) AS first FROM outbound_part WHERE account_id = ? AND state IN ('planned', 'sending')
         GROUP BY delivery_id ORDER BY first`,
    ).all(accountId) as { delivery_id: string }[];
    return rows.map((row) => row.delivery_id);
  }

  /**
   * Tracked parts Messages accepted but has not reported delivered yet, first attempted within `[since, until]` and
   * not asked about since `checkedBefore`: the sweep asks `message.send_status` whether each was delivered or failed.
   */
  awaitingDelivery(
    accountId: string,
    window: { since: number; until: number; checkedBefore: number; limit: number },
  ): OutboundPart[] {
    const rows = prepared(
      this.#database,
      `SELECT * FROM outbound_part WHERE account_id = ? AND state = 'sent' AND mode = 'tracked'
         AND message_guid IS NOT NULL AND first_attempt_at BETWEEN ? AND ?
         AND (checked_at IS NULL OR checked_at < ?) ORDER BY id LIMIT ?`,
    ).all(accountId, window.since, window.until, window.checkedBefore, window.limit) as unknown as PartRow[];
    return rows.map(partOf);
  }

  /** Guids the account's parts own that were recorded since `sinceMs`: a history lookup never takes one of them. */
  ownedGuidsSince(accountId: string, sinceMs: number): string[] {
    const rows = prepared(
      this.#database,
      "SELECT message_guid FROM outbound_part WHERE account_id = ? AND message_guid IS NOT NULL AND updated_at >= ?",
    ).all(accountId, sinceMs) as { message_guid: string }[];
    return rows.map((row) => row.message_guid);
  }

  /**
   * The operator's decision for a part the gateway could not settle: `sent` (it is in the chat), `resend` (send it
   * again: the running gateway, or the next start, picks it up), `drop` (give it up). Only `unknown` and `failed`
   * parts can be resolved, and `planned` ones dropped: anything else is being sent or was proved.
   */
  resolve(id: number, resolution: OutboundResolution): OutboundPart {
    return immediateTransaction(this.#database, () => {
      const part = this.get(id);
      if (!part) {
        throw new StateError(
          "OUTBOX_PART_UNKNOWN",
          `outbox part ${id} does not exist; run \`imessage-channel outbox list\` for the ids`,
        );
      }
      const resolvable = part.state === "unknown" || part.state === "failed";
      if (!resolvable && !(resolution === "drop" && part.state === "planned")) {
        throw new StateError(
          "OUTBOX_PART_SETTLED",
          `outbox part ${id} is ${part.state}; only unknown or failed parts can be resolved (and planned ones dropped)`,
        );
      }
      if (resolution === "sent") return this.#update(id, { state: "sent", detail: "marked sent by the operator" });
      if (resolution === "drop") return this.#update(id, { state: "dropped", detail: "dropped by the operator" });
      // A failed tracked part's guid names a failed row: its resend needs a new one. An unknown part keeps its guid,
      // so imsg itself refuses the resend if the first attempt did land after all.
      return this.#update(id, {
        state: "planned",
        detail: "resend requested by the operator",
        ...(part.state === "failed" ? { attempt: part.attempt + 1 } : {}),
      });
    });
  }

  /** Drops settled parts older than the retention (unknown and failed ones stay until the operator resolves them). */
  prune(): number {
    const before = this.#clock.now() - outboundPartRetentionMilliseconds;
    return Number(
      prepared(
        this.#database,
        `DELETE FROM outbound_part WHERE updated_at < ? AND state IN (${settledStates.map(() => "?").join(", ")})`,
      ).run(before, ...settledStates).changes,
    );
  }
}
