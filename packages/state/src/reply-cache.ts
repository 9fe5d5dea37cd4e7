import type { DatabaseSync } from "node:sqlite";
import type { Clock } from "@imessage-channel/kit";
import { immediateTransaction } from "./immediate-transaction.ts";
import { StateError } from "./state-error.ts";
import { prepared } from "./statement-cache.ts";

export interface ReplyCacheOptions {
  /** How many recent messages keep a short id per account. Default 2000. */
  maxMessagesPerAccount?: number;
}

export const defaultReplyCacheSize = 2000;

/**
 * Short message ids ("12") for the agent to reply to or react on, mapped back to full guids.
 * Ids increase per account and are never reused, so an evicted id reads as expired, not as another message.
 */
export class ReplyCache {
  readonly #database: DatabaseSync;
  readonly #clock: Pick<Clock, "now">;
  readonly #maxMessages: number;

  constructor(database: DatabaseSync, clock: Pick<Clock, "now">, options: ReplyCacheOptions = {}) {
    this.#database = database;
    this.#clock = clock;
    this.#maxMessages = options.maxMessagesPerAccount ?? defaultReplyCacheSize;
  }

  /** The message's short id; the same guid always gets the same id while it is cached. */
  rememberMessage(message: { accountId: string; chatId: string | number; guid: string }): string {
    const now = this.#clock.now();
    return immediateTransaction(this.#database, () => {
      const existing = prepared(
        this.#database,
        "SELECT short_id FROM reply_cache WHERE account_id = ? AND guid = ?",
      ).get(message.accountId, message.guid) as { short_id: number } | undefined;
      if (existing) return String(existing.short_id);
      const counter = prepared(
        this.#database,
        `INSERT INTO reply_counters (account_id, last_short_id) VALUES (?, 1)
           ON CONFLICT (account_id) DO UPDATE SET last_short_id = last_short_id + 1
           RETURNING last_short_id`,
      ).get(message.accountId) as { last_short_id: number };
      const shortId = counter.last_short_id;
      prepared(
        this.#database,
        "INSERT INTO reply_cache (account_id, short_id, chat_id, guid, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run(message.accountId, shortId, String(message.chatId), message.guid, now);
      prepared(this.#database, "DELETE FROM reply_cache WHERE account_id = ? AND short_id <= ?").run(
        message.accountId,
        shortId - this.#maxMessages,
      );
      return String(shortId);
    });
  }

  /** The full guid behind a short id of this chat; throws when the id is malformed, unknown, expired or another chat's. */
  resolveShortId(request: { accountId: string; chatId: string | number; shortId: string | number }): string {
    const text = String(request.shortId).trim();
    if (!/^[1-9][0-9]{0,15}$/.test(text)) {
      throw new StateError(
        "SHORT_ID_INVALID",
        `message id "${text}" is not a short id (a positive integer); pass the full message guid instead`,
      );
    }
    const shortId = Number(text);
    const row = prepared(
      this.#database,
      "SELECT chat_id, guid FROM reply_cache WHERE account_id = ? AND short_id = ?",
    ).get(request.accountId, shortId) as { chat_id: string; guid: string } | undefined;
    if (!row) {
      const counter = prepared(this.#database, "SELECT last_short_id FROM reply_counters WHERE account_id = ?").get(
        request.accountId,
      ) as { last_short_id: number } | undefined;
      if (counter && shortId <= counter.last_short_id) {
        throw new StateError(
          "SHORT_ID_EXPIRED",
          `short message id ${text} has expired from the reply cache (the last ${this.#maxMessages} messages are kept); retry with the full message guid`,
        );
      }
      throw new StateError(
        "SHORT_ID_UNKNOWN",
        `short message id ${text} was never issued for account "${request.accountId}"; retry with the full message guid`,
      );
    }
    if (row.chat_id !== String(request.chatId)) {
      throw new StateError(
        "SHORT_ID_OTHER_CHAT",
        `short message id ${text} belongs to another chat than ${String(request.chatId)}; retry with the full message guid`,
      );
    }
    return row.guid;
  }
}
