import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "@imessage-channel/kit";
import { immediateTransaction } from "./immediate-transaction.ts";
import { prepared } from "./statement-cache.ts";

export interface RecordedReply {
  /** The agent's reply exactly as recorded (JSON round-tripped). */
  reply: unknown;
  /** When it was recorded (ms): a resumed delivery looks for sends from then on before sending again. */
  recordedAt: number;
  /** The delivery its parts are planned under (`OutboundParts`); absent for a reply recorded by an older build. */
  deliveryId?: string;
}

/**
 * The agent's answer to a turn, written before anything is sent and cleared when the turn commits. A gateway
 * killed between the two finds it on the replayed row: it delivers the recorded answer (looking each part up
 * before sending it) instead of asking the agent again, so a crash neither doubles a reply nor rewords it.
 */
export class ReplyOutbox {
  readonly #database: DatabaseSync;
  readonly #clock: Pick<Clock, "now">;

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">) {
    this.#database = database;
    this.#clock = clock;
  }

  /** Records `reply` under every guid of the turn (a coalesced turn has several), to go out as `deliveryId`. */
  record(guids: readonly string[], accountId: string, reply: unknown, deliveryId?: string): void {
    const json = JSON.stringify(reply);
    const now = this.#clock.now();
    immediateTransaction(this.#database, () => {
      const insert = prepared(
        this.#database,
        `INSERT INTO reply_outbox (guid, account_id, reply_json, recorded_at, delivery_id) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (guid) DO UPDATE SET reply_json = excluded.reply_json, recorded_at = excluded.recorded_at,
             delivery_id = excluded.delivery_id`,
      );
      for (const guid of guids) insert.run(guid, accountId, json, now, deliveryId ?? null);
    });
  }

  /** The reply recorded under `guid`, if its turn has not committed yet. */
  find(guid: string): RecordedReply | undefined {
    const row = prepared(
      this.#database,
      "SELECT reply_json, recorded_at, delivery_id FROM reply_outbox WHERE guid = ?",
    ).get(guid) as { reply_json: string; recorded_at: number; delivery_id: string | null } | undefined;
    if (!row) return undefined;
    return {
      reply: JSON.parse(row.reply_json) as unknown,
      recordedAt: row.recorded_at,
      ...(row.delivery_id === null ? {} : { deliveryId: row.delivery_id }),
    };
  }

  /** The turn committed: its reply is no longer needed. */
  clear(guids: readonly string[]): void {
    const remove = prepared(this.#database, "DELETE FROM reply_outbox WHERE guid = ?");
    immediateTransaction(this.#database, () => {
      for (const guid of guids) remove.run(guid);
    });
  }

  /** Drops entries of guids the journal already committed (a process killed between commit and clear). */
  pruneCommitted(): number {
    return Number(
      prepared(
        this.#database,
        "DELETE FROM reply_outbox WHERE guid IN (SELECT guid FROM inbound_journal WHERE state = 'committed')",
      ).run().changes,
    );
  }
}
