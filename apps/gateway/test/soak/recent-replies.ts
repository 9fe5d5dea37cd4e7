import type { GatewayHarness } from "../test-support/gateway-harness.ts";

export interface RecentReply {
  /** The chat's identifier: a friend's handle for a DM, `chat…` for a group. */
  chat: string;
  text: string;
  /** Unix milliseconds when this reader first saw the row. */
  seenAt: number;
}

/** Reads the replies the gateway sends into chat.db as they land, so a user can repeat one while it is fresh. */
export class RecentReplies {
  readonly #harness: GatewayHarness;
  readonly #latestByChat = new Map<string, RecentReply>();
  #afterRowid = 0;

  constructor(harness: GatewayHarness) {
    this.#harness = harness;
  }

  /**
   * The newest reply of a chat in `chats`, seen within `withinMs`; each reply is given out once, so no two rows
   * repeat the same send.
   */
  take(chats: ReadonlySet<string>, withinMs: number, random: () => number): RecentReply | undefined {
    this.#read();
    const now = Date.now();
    const fresh = [...this.#latestByChat.values()].filter(
      (reply) => chats.has(reply.chat) && now - reply.seenAt <= withinMs,
    );
    const reply = fresh[Math.floor(random() * fresh.length)];
    if (reply) this.#latestByChat.delete(reply.chat);
    return reply;
  }

  #read(): void {
    const rows = this.#harness.query<{ rowid: number; chat: string; text: string }>(
      `SELECT m.ROWID AS rowid, c.chat_identifier AS chat, IFNULL(m.text, '') AS text FROM message m
       JOIN chat_message_join j ON j.message_id = m.ROWID JOIN chat c ON c.ROWID = j.chat_id
       WHERE m.is_from_me = 1 AND m.ROWID > ? ORDER BY m.ROWID`,
      this.#afterRowid,
    );
    const seenAt = Date.now();
    for (const row of rows) {
      this.#afterRowid = row.rowid;
      this.#latestByChat.set(row.chat, { chat: row.chat, text: row.text, seenAt });
    }
  }
}
