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

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">, options: EchoCacheOptions = {}) {
    this.#database = database;
    this.#clock = clock;
    this.#timeToLive = options.timeToLiveMilliseconds ?? defaultEchoTimeToLiveMilliseconds;
    this.#textWindow = options.textWindowMilliseconds ?? defaultEchoTextWindowMilliseconds;
    this.#maxSends = options.maxSendsPerAccount ?? defaultEchoMaxSendsPerAccount;
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
    immediateTransaction(this.#database, () => {
      this.#deleteExpired(now);
      const insert = prepared(
        this.#database,
        "INSERT INTO echo_sent (send_id, account_id, chat_key, text, guid, sent_at) VALUES (?, ?, ?, ?, ?, ?)",
      );
      for (const chatKey of chatKeys.length > 0 ? chatKeys : [""]) {
        insert.run(sendId, sent.accountId, chatKey, text, sent.guid ?? null, now);
      }
      prepared(
        this.#database,
        `DELETE FROM echo_sent WHERE account_id = ? AND send_id IN (
             SELECT send_id FROM echo_sent WHERE account_id = ? GROUP BY send_id ORDER BY max(id) DESC LIMIT -1 OFFSET ?)`,
      ).run(sent.accountId, sent.accountId, this.#maxSends);
    });
    return sendId;
  }

  /** The send went out: remember the guid imsg gave it, and start its text window now. */
  attachGuid(sendId: string, guid: string | undefined): void {
    prepared(this.#database, "UPDATE echo_sent SET guid = coalesce(?, guid), sent_at = ? WHERE send_id = ?").run(
      guid || null,
      this.#clock.now(),
      sendId,
    );
  }

  /** Whether an inbound row is one of our own sends coming back. */
  isEcho(inbound: InboundEcho): boolean {
    const now = this.#clock.now();
    const since = now - this.#timeToLive;
    if (inbound.guid) {
      const byGuid = prepared(
        this.#database,
        "SELECT 1 AS found FROM echo_sent WHERE account_id = ? AND guid = ? AND sent_at > ? LIMIT 1",
      ).get(inbound.accountId, inbound.guid, since);
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
        `SELECT send_id FROM echo_sent WHERE account_id = ? AND text = ? AND sent_at > ? AND chat_key IN (${placeholders})
           ORDER BY id LIMIT 1`,
      ).get(inbound.accountId, text, now - this.#textWindow, ...chatKeys) as { send_id: string } | undefined;
    // Most inbound rows are not echoes: look first, and take the write lock only to consume a match.
    if (!findMatch()) return false;
    return immediateTransaction(this.#database, () => {
      const match = findMatch();
      if (!match) return false;
      prepared(this.#database, "DELETE FROM echo_sent WHERE send_id = ?").run(match.send_id);
      return true;
    });
  }

  #deleteExpired(now: number): void {
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
