import { type ImsgClient, ImsgRpcError, RequestTimeoutError } from "@imessage-channel/rpc-client";
import type { ChatAddress, ImsgPort, SendOutcome, SendRequest } from "./imsg-port.ts";

/** A bridge failure is remembered this long, so a Mac without the private API is not asked on every message. */
const bridgeDownTtlMs = 5 * 60 * 1000;

/** The chat target of a send: `chat_id` whenever the row had one (the stable target), else guid, identifier, handle. */
export function chatTarget(chat: ChatAddress): {
  chatId?: number;
  chatGuid?: string;
  chatIdentifier?: string;
  to?: string;
} {
  if (chat.chatId > 0) return { chatId: chat.chatId };
  if (chat.chatGuid) return { chatGuid: chat.chatGuid };
  if (chat.chatIdentifier) return { chatIdentifier: chat.chatIdentifier };
  return { to: chat.handle };
}

/**
 * The pipeline's view of the account's one imsg connection. Every call goes to the current client (the one
 * long-lived child); a send that timed out is looked up in history before it is tried again, so a slow
 * acknowledgement never delivers a reply twice.
 */
export class ImsgConnection implements ImsgPort {
  readonly #client: () => ImsgClient | undefined;
  readonly #now: () => number;
  #bridgeDownUntil = 0;
  #bridgeKnownUp = false;

  constructor(client: () => ImsgClient | undefined, now: () => number = Date.now) {
    this.#client = client;
    this.#now = now;
  }

  /** false while a recent bridge call failed; true once one worked; undefined when nobody asked yet. */
  get bridgeAvailable(): boolean | undefined {
    if (this.#now() < this.#bridgeDownUntil) return false;
    return this.#bridgeKnownUp ? true : undefined;
  }

  /** The capability probe's verdict (imsg status --json), when there is one. */
  setBridgeAvailable(available: boolean): void {
    this.#bridgeKnownUp = available;
    this.#bridgeDownUntil = available ? 0 : this.#now() + bridgeDownTtlMs;
  }

  #current(): ImsgClient {
    const client = this.#client();
    if (!client) throw new Error("imsg is not connected (reconnecting); the reply is retried when the row is replayed");
    return client;
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    const client = this.#current();
    const params = { ...chatTarget(request.chat), text: request.text, file: request.file };
    const startedAt = this.#now();
    try {
      const result = await client.send(params);
      return { rowid: result.id, guid: result.guid };
    } catch (error) {
      if (!(error instanceof RequestTimeoutError) || request.chat.chatId <= 0 || !request.text) throw error;
      // The send may have gone out and only the answer was slow: look for it before sending again.
      const recent = await client.messagesHistory({ chatId: request.chat.chatId, limit: 10 });
      const found = recent.find(
        (message) =>
          message.isFromMe && message.text === request.text && Date.parse(message.createdAt) >= startedAt - 2_000,
      );
      if (found) return { rowid: found.id, guid: found.guid };
      const retried = await client.send(params);
      return { rowid: retried.id, guid: retried.guid };
    }
  }

  async markRead(chat: ChatAddress): Promise<boolean> {
    return this.#bridgeCall(() => this.#current().read(chatTarget(chat)));
  }

  async setTyping(chat: ChatAddress, typing: boolean): Promise<boolean> {
    return this.#bridgeCall(() => this.#current().typing({ ...chatTarget(chat), typing }));
  }

  async #bridgeCall(call: () => Promise<void>): Promise<boolean> {
    if (this.bridgeAvailable === false) return false;
    try {
      await call();
      this.#bridgeKnownUp = true;
      return true;
    } catch (error) {
      if (error instanceof ImsgRpcError || error instanceof RequestTimeoutError) {
        this.setBridgeAvailable(false);
        return false;
      }
      throw error;
    }
  }
}
