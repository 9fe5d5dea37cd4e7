import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "./clock.ts";
import { immediateTransaction } from "./immediate-transaction.ts";
import { prepared } from "./statement-cache.ts";

export interface EchoCacheOptions {
  /** How long a send is remembered. Default 10 minutes. */
  timeToLiveMilliseconds?: number;
  /** At most this many sends are remembered per account; the oldest go first. Default 500. */
  maxSendsPerAccount?: number;
}

export const defaultEchoTimeToLiveMilliseconds = 10 * 60 * 1000;
export const defaultEchoMaxSendsPerAccount = 500;

export interface SentMessage {
  accountId: string;
  /** Every form the chat may come back under: chat_id, chat_guid, chat_identifier, handle. */
  chatKeys: ReadonlyArray<string | number>;
  text?: string | null;
  guid?: string | null;
}

/**
 * What we sent recently, so our own outbound never comes back as an inbound turn.
 * A guid match is certain; a text match (same normalized text in any of the chat keys) consumes that send,
 * so a person who later writes the very same words is still heard.
 */
export class EchoCache {
  readonly #database: DatabaseSync;
  readonly #clock: Clock;
  readonly #timeToLive: number;
  readonly #maxSends: number;

  constructor(database: DatabaseSync, clock: Clock, options: EchoCacheOptions = {}) {
    this.#database = database;
    this.#clock = clock;
    this.#timeToLive = options.timeToLiveMilliseconds ?? defaultEchoTimeToLiveMilliseconds;
    this.#maxSends = options.maxSendsPerAccount ?? defaultEchoMaxSendsPerAccount;
  }

  recordSent(sent: SentMessage): void {
    const now = this.#clock();
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
  }

  /** Whether an inbound row is one of our own sends coming back. */
  isEcho(inbound: SentMessage): boolean {
    const now = this.#clock();
    const since = now - this.#timeToLive;
    if (inbound.guid) {
      const byGuid = prepared(
        this.#database,
        "SELECT 1 AS found FROM echo_sent WHERE account_id = ? AND guid = ? AND sent_at > ? LIMIT 1",
      ).get(inbound.accountId, inbound.guid, since);
      if (byGuid !== undefined) return true;
    }
    const text = normalizeEchoText(inbound.text);
    const chatKeys = uniqueKeys(inbound.chatKeys);
    if (text === null || chatKeys.length === 0) return false;
    const placeholders = chatKeys.map(() => "?").join(", ");
    const findMatch = () =>
      prepared(
        this.#database,
        `SELECT send_id FROM echo_sent WHERE account_id = ? AND text = ? AND sent_at > ? AND chat_key IN (${placeholders})
           ORDER BY id LIMIT 1`,
      ).get(inbound.accountId, text, since, ...chatKeys) as { send_id: string } | undefined;
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
