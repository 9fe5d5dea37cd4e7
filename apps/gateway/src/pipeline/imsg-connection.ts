import { setTimeout as sleep } from "node:timers/promises";
import { type ImsgClient, ImsgRpcError, RequestTimeoutError, RpcClientError } from "@imessage-channel/rpc-client";
import type { ChatAddress, ImsgMessage, ImsgPort, SendOutcome, SendRequest } from "./imsg-port.ts";

/** How long a reply waits for imsg to come back (child restart, SSH reconnect) before the send fails. */
export const defaultReconnectWaitMs = 60_000;

const reconnectPollMs = 100;

/** A chat's service is re-read after this long: macOS 26 `any;` chats can move between iMessage and SMS. */
const chatServiceTtlMs = 30_000;
/** `chats.list` is newest first and a chat that just got a row is at the top: this many covers a burst. */
const chatServiceLookupLimit = 100;

/** The account's capability owner (`BridgeCapability`), as read receipts and typing use it. */
export interface BridgeGate {
  /** false: do not try now; true or undefined: try. */
  receiptsAllowed(): Promise<boolean | undefined>;
  /** A read or typing call failed for want of the bridge. */
  bridgeFailed(): void;
}

export interface ImsgConnectionOptions {
  now?: () => number;
  /** See `defaultReconnectWaitMs`. */
  reconnectWaitMs?: number;
  /** Asked before every read/typing call and told when one failed; without it, they are always tried. */
  bridge?: BridgeGate;
}

function waitText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

/** The connection went away under the request (child exit, SSH drop, client closed): worth trying again. */
function isConnectionLoss(error: unknown): boolean {
  return RpcClientError.isInstance(error) && ["CHILD_EXITED", "NOT_CONNECTED", "CLIENT_CLOSED"].includes(error.code);
}

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
 * long-lived child). A send waits out a reconnect (bounded) instead of failing, and a send whose outcome is
 * unknown (timed out, or the connection died under it) is looked up in history before it is tried again, so
 * neither a restart nor a slow acknowledgement loses or doubles a reply.
 */
export class ImsgConnection implements ImsgPort {
  readonly #client: () => ImsgClient | undefined;
  readonly #now: () => number;
  readonly #reconnectWaitMs: number;
  readonly #bridge: BridgeGate | undefined;
  readonly #chatServices = new Map<number, { service: string; readAt: number }>();
  #chatServiceLookup: Promise<void> | undefined;

  constructor(client: () => ImsgClient | undefined, options: ImsgConnectionOptions = {}) {
    this.#client = client;
    this.#now = options.now ?? Date.now;
    this.#reconnectWaitMs = options.reconnectWaitMs ?? defaultReconnectWaitMs;
    this.#bridge = options.bridge;
  }

  #current(): ImsgClient {
    const client = this.#client();
    if (!client) throw new Error("imsg is not connected (reconnecting)");
    return client;
  }

  /** The current client, waiting for a reconnect until `deadline`. */
  async #connected(deadline: number): Promise<ImsgClient> {
    for (;;) {
      const client = this.#client();
      if (client?.running) return client;
      if (this.#now() >= deadline) {
        throw new Error(
          `imsg did not reconnect within ${waitText(this.#reconnectWaitMs)}, so the reply could not be sent; see \`imessage-channel status\` for why`,
        );
      }
      await sleep(reconnectPollMs);
    }
  }

  async send(request: SendRequest): Promise<SendOutcome> {
    const params = { ...chatTarget(request.chat), text: request.text, file: request.file };
    const startedAt = this.#now();
    const deadline = startedAt + this.#reconnectWaitMs;
    const since = request.maybeSentSince ?? startedAt;
    let outcomeUnknown = request.maybeSentSince !== undefined;
    for (;;) {
      const client = await this.#connected(deadline);
      if (outcomeUnknown) {
        const found = await this.#findSent(client, request, since).catch(() => undefined);
        if (found) return found;
      }
      try {
        const result = await client.send(params);
        return { rowid: result.id, guid: result.guid };
      } catch (error) {
        const timedOut = RequestTimeoutError.isInstance(error);
        if ((!timedOut && !isConnectionLoss(error)) || this.#now() >= deadline) throw error;
        // It may have gone out and only the answer was lost: look for it before sending again.
        outcomeUnknown = true;
        if (!timedOut) await sleep(reconnectPollMs);
      }
    }
  }

  /** Our own row with this text in the chat since the first attempt, if imsg has it (chat_id targets only). */
  async #findSent(client: ImsgClient, request: SendRequest, since: number): Promise<SendOutcome | undefined> {
    if (request.chat.chatId <= 0 || !request.text) return undefined;
    // Wide enough for a busy group that kept talking while the gateway restarted.
    const recent = await client.messagesHistory({ chatId: request.chat.chatId, limit: 50 });
    const found = recent.find(
      (message) => message.isFromMe && message.text === request.text && Date.parse(message.createdAt) >= since - 2_000,
    );
    return found ? { rowid: found.id, guid: found.guid } : undefined;
  }

  async chatService(chat: ChatAddress): Promise<string | undefined> {
    if (chat.chatId <= 0) return undefined;
    const cached = this.#chatServices.get(chat.chatId);
    if (cached && this.#now() - cached.readAt < chatServiceTtlMs) return cached.service;
    // One chats.list answers every row waiting on it, and refreshes every chat it lists.
    this.#chatServiceLookup ??= this.#readChatServices().finally(() => {
      this.#chatServiceLookup = undefined;
    });
    await this.#chatServiceLookup;
    const fresh = this.#chatServices.get(chat.chatId);
    return fresh && this.#now() - fresh.readAt < chatServiceTtlMs ? fresh.service : undefined;
  }

  async #readChatServices(): Promise<void> {
    // Unknown is a safe answer (policy then trusts only `iMessage;` guids); never fail the row for it.
    const chats = await Promise.resolve()
      .then(() => this.#current().chatsList({ limit: chatServiceLookupLimit }))
      .catch(() => []);
    const readAt = this.#now();
    if (this.#chatServices.size > 10_000) this.#chatServices.clear();
    for (const chat of chats) this.#chatServices.set(chat.id, { service: chat.service, readAt });
  }

  async isOwnMessage(chat: ChatAddress, guid: string): Promise<boolean> {
    if (!guid) return false;
    // Tapbacks are rare and usually on recent messages: one history page answers it.
    const recent = await this.recentMessages(chat, 100);
    return recent.some((message) => message.guid === guid && message.isFromMe);
  }

  async recentMessages(chat: ChatAddress, limit: number): Promise<ImsgMessage[]> {
    if (chat.chatId <= 0 || limit <= 0) return [];
    return Promise.resolve()
      .then(() => this.#current().messagesHistory({ chatId: chat.chatId, limit }))
      .catch(() => []);
  }

  async markRead(chat: ChatAddress): Promise<boolean> {
    return this.#bridgeCall(() => this.#current().read(chatTarget(chat)));
  }

  async setTyping(chat: ChatAddress, typing: boolean): Promise<boolean> {
    return this.#bridgeCall(() => this.#current().typing({ ...chatTarget(chat), typing }));
  }

  /** A read or typing call, when the capability owner allows it; a failure is reported there (it re-probes). */
  async #bridgeCall(call: () => Promise<void>): Promise<boolean> {
    if ((await this.#bridge?.receiptsAllowed()) === false) return false;
    try {
      await call();
      return true;
    } catch (error) {
      if (ImsgRpcError.isInstance(error) || RequestTimeoutError.isInstance(error)) {
        this.#bridge?.bridgeFailed();
        return false;
      }
      throw error;
    }
  }
}
