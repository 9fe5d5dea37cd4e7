import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "@imessage-channel/kit";
import { immediateTransaction } from "./immediate-transaction.ts";
import { prepared } from "./statement-cache.ts";

export interface EchoCacheOptions {
  /** How long a send is remembered by guid. Default 10 minutes. */
  timeToLiveMilliseconds?: number;
  /** How long after a send a row of ours with the same text counts as its echo. Default 4 s (the reference's). */
  textWindowMilliseconds?: number;
  /** At most this many sends are remembered per account; the oldest go first. Default 500. */
  maxSendsPerAccount?: number;
}

export const defaultEchoTimeToLiveMilliseconds = 10 * 60 * 1000;
export const defaultEchoTextWindowMilliseconds = 4_000;
export const defaultEchoMaxSendsPerAccount = 500;

export interface SentMessage {
  accountId: string;
  /** Every form the chat may come back under: chat_id, chat_guid, chat_identifier, handle. */
  chatKeys: ReadonlyArray<string | number>;
  text?: string | null;
  guid?: string | null;
}

/** An inbound row to test against what we sent. */
export interface InboundEcho extends SentMessage {
  /**
   * The row is ours: `is_from_me`, or sent from our own handle (a chat with ourselves streams each send twice).
   * Only such rows may match by text; another participant's row is never an echo because its words match.
   */
  ours: boolean;
}

/**
 * What we sent recently, so our own outbound never comes back as an inbound turn.
 * A guid match is certain. A text match (same normalized text in any of the chat keys, a row of ours, within
 * seconds of the send) consumes that send, so each send explains at most one row.
 */
export class EchoCache {
  readonly #database: DatabaseSync;
  readonly #clock: Pick<Clock, "now">;
  readonly #timeToLive: number;
  readonly #textWindow: number;
  readonly #maxSends: number;
  readonly #trimMargin: number;
  /**
   * Per account, its remembered sends oldest first, each with the id of its first row (a send's rows have
   * consecutive ids). Loaded from state.db on the account's first use, then kept here, so the cap needs no
   * `GROUP BY` over the table on every send.
   */
  readonly #sends = new Map<string, Array<{ sendId: string; firstId: number }>>();

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">, options: EchoCacheOptions = {}) {
    this.#database = database;
    this.#clock = clock;
    this.#timeToLive = options.timeToLiveMilliseconds ?? defaultEchoTimeToLiveMilliseconds;
    this.#textWindow = options.textWindowMilliseconds ?? defaultEchoTextWindowMilliseconds;
    this.#maxSends = options.maxSendsPerAccount ?? defaultEchoMaxSendsPerAccount;
    this.#trimMargin = Math.max(8, Math.ceil(this.#maxSends / 8));
  }

  /**
   * Remembers one send (record it before sending: imsg can stream the row back before the send returns);
   * returns its id for `attachGuid`.
   */
  recordSent(sent: SentMessage): string {
    const now = this.#clock.now();
    const sendId = randomUUID();
    const text = normalizeEchoText(sent.text);
    const chatKeys = uniqueKeys(sent.chatKeys);
    const sends = this.#sendsOf(sent.accountId);
    const write = () => {
      const insert = prepared(
        this.#database,
        "INSERT INTO echo_sent (send_id, account_id, chat_key, text, guid, sent_at) VALUES (?, ?, ?, ?, ?, ?)",
      );
      let firstId: number | undefined;
      for (const chatKey of chatKeys.length > 0 ? chatKeys : [""]) {
        const { lastInsertRowid } = insert.run(sendId, sent.accountId, chatKey, text, sent.guid ?? null, now);
        firstId ??= Number(lastInsertRowid);
      }
      // SQLite gives a new row the highest id in the table plus one: sends listed at or past it have no rows left
      // (another connection consumed or expired them), and must not hold the floor above the new send.
      while ((sends.at(-1)?.firstId ?? -1) >= (firstId ?? 0)) sends.pop();
      sends.push({ sendId, firstId: firstId ?? 0 });
      // Sends past the cap are out of sight at once (`#floor`); their rows are deleted in batches, with the expired.
      if (sends.length > this.#maxSends + this.#trimMargin) this.#trim(sent.accountId, sends, now);
    };
    try {
      immediateTransaction(this.#database, write);
    } catch (error) {
      // Rolled back: the send is not remembered. (One rolled back with an outer transaction stays counted, which
      // only hides an older send sooner: never more than the cap in sight.)
      const index = sends.findIndex((send) => send.sendId === sendId);
      if (index >= 0) sends.splice(index, 1);
      throw error;
    }
    return sendId;
  }

  /** The send went out: remember the guid imsg gave it, and start its text window now. */
  attachGuid(sendId: string, guid: string | undefined): void {
    prepared(
      this.#database,
      "UPDATE echo_sent SET guid = coalesce(?, guid), sent_at = ? WHERE id >= ? AND send_id = ?",
    ).run(guid || null, this.#clock.now(), this.#firstIdOf(sendId), sendId);
  }

  /** Whether an inbound row is one of our own sends coming back. */
  isEcho(inbound: InboundEcho): boolean {
    const now = this.#clock.now();
    const since = now - this.#timeToLive;
    const floor = this.#floor(inbound.accountId);
    if (inbound.guid) {
      const byGuid = prepared(
        this.#database,
        "SELECT 1 AS found FROM echo_sent WHERE account_id = ? AND guid = ? AND sent_at > ? AND id >= ? LIMIT 1",
      ).get(inbound.accountId, inbound.guid, since, floor);
      if (byGuid !== undefined) return true;
    }
    if (!inbound.ours) return false;
    const text = normalizeEchoText(inbound.text);
    const chatKeys = uniqueKeys(inbound.chatKeys);
    if (text === null || chatKeys.length === 0) return false;
    const placeholders = chatKeys.map(() => "?").join(", ");
    const findMatch = () =>
      prepared(
        this.#database,
        `SELECT send_id FROM echo_sent WHERE account_id = ? AND text = ? AND sent_at > ? AND id >= ?
           AND chat_key IN (${placeholders}) ORDER BY id LIMIT 1`,
      ).get(inbound.accountId, text, now - this.#textWindow, floor, ...chatKeys) as { send_id: string } | undefined;
    // Most inbound rows are not echoes: look first, and take the write lock only to consume a match.
    if (!findMatch()) return false;
    return immediateTransaction(this.#database, () => {
      const match = findMatch();
      if (!match) return false;
      const sends = this.#sendsOf(inbound.accountId);
      const index = sends.findLastIndex((send) => send.sendId === match.send_id);
      prepared(this.#database, "DELETE FROM echo_sent WHERE id >= ? AND send_id = ?").run(
        sends[index]?.firstId ?? 0,
        match.send_id,
      );
      if (index >= 0) sends.splice(index, 1);
      return true;
    });
  }

  /**
   * The id of the send's first row (0 when this connection does not know it): with it, a statement on one send reads
   * its few rows by id instead of scanning the table (`send_id` has no index).
   */
  #firstIdOf(sendId: string): number {
    for (const sends of this.#sends.values()) {
      const send = sends.findLast((candidate) => candidate.sendId === sendId);
      if (send) return send.firstId;
    }
    return 0;
  }

  #sendsOf(accountId: string): Array<{ sendId: string; firstId: number }> {
    let sends = this.#sends.get(accountId);
    if (sends === undefined) {
      const rows = prepared(
        this.#database,
        "SELECT send_id, min(id) AS first_id FROM echo_sent WHERE account_id = ? GROUP BY send_id ORDER BY first_id",
      ).all(accountId) as Array<{ send_id: string; first_id: number }>;
      sends = rows.map((row) => ({ sendId: row.send_id, firstId: Number(row.first_id) }));
      this.#sends.set(accountId, sends);
    }
    return sends;
  }

  /** The first row id of the oldest send still remembered: at most `maxSendsPerAccount` sends are in sight. */
  #floor(accountId: string): number {
    const sends = this.#sendsOf(accountId);
    return sends.length > this.#maxSends ? (sends[sends.length - this.#maxSends]?.firstId ?? 0) : 0;
  }

  /** Deletes the rows of sends past the cap and of expired sends; runs once per `#trimMargin` sends. */
  #trim(accountId: string, sends: Array<{ sendId: string; firstId: number }>, now: number): void {
    const floor = this.#floor(accountId);
    prepared(this.#database, "DELETE FROM echo_sent WHERE account_id = ? AND id < ?").run(accountId, floor);
    sends.splice(0, sends.length - this.#maxSends);
    prepared(this.#database, "DELETE FROM echo_sent WHERE sent_at <= ?").run(now - this.#timeToLive);
  }
}

/** Unicode NFC, no attachment placeholder (U+FFFC), whitespace collapsed and trimmed; empty → null. */
export function normalizeEchoText(text: string | null | undefined): string | null {
  if (text === undefined || text === null) return null;
  const normalized = text
    .normalize("NFC")
    .replace(/\uFFFC/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return normalized === "" ? null : normalized;
}

function uniqueKeys(chatKeys: ReadonlyArray<string | number>): string[] {
  return [...new Set(chatKeys.map(String).filter((key) => key !== ""))];
}
