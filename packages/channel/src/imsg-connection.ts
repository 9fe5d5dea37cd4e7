import {
  createMessageSender,
  type Delivery,
  type DeliveryOptions,
  type MessageSender,
  sendParamsForChat,
  type TrackedSendState,
} from "@imessage-channel/outbound";
import { type ImsgClient, ImsgRpcError, RequestTimeoutError, RpcClientError } from "@imessage-channel/rpc-client";
import type { ChatAddress, ImsgMessage, ImsgPort } from "./imsg-port.ts";

/** A chat's service is re-read after this long: macOS 26 `any;` chats can move between iMessage and SMS. */
const chatServiceTtlMs = 30_000;
/** `chats.list` is newest first and a chat that just got a row is at the top: this many covers a burst. */
const chatServiceLookupLimit = 100;

export interface ImsgConnectionOptions {
  now?: () => number;
  /** How long a send waits for a reconnect (default 60 s, as outbound's `createMessageSender`). */
  reconnectWaitMs?: number;
  /** Told when a read or typing call failed for want of the bridge (outbound's `BridgeCapability`: it re-probes). */
  bridge?: { bridgeFailed(): void };
  /** Whether the current connection offers tracked sends (`trackedSendsUsable` of its negotiated methods). */
  trackedSends?: () => boolean;
  /** The account tracked-send guids are derived for. */
  accountId?: string;
  /** Aborted when the account stops: sends waiting for imsg end, their parts kept for the next start. */
  signal?: AbortSignal;
}

/**
 * The pipeline's view of the account's one imsg connection. Every call goes to the current client (the one
 * long-lived child). Sends go through outbound's `createMessageSender` (each once, across reconnects); read
 * receipts and typing are asked for by the pipeline when the bridge verdict's `receipts` plan allows them.
 */
export class ImsgConnection implements ImsgPort {
  readonly #client: () => ImsgClient | undefined;
  readonly #now: () => number;
  readonly #bridge: ImsgConnectionOptions["bridge"];
  readonly #sender: MessageSender;
  readonly #chatServices = new Map<number, { service: string; readAt: number }>();
  #chatServiceLookup: Promise<void> | undefined;

  constructor(client: () => ImsgClient | undefined, options: ImsgConnectionOptions = {}) {
    this.#client = client;
    this.#now = options.now ?? Date.now;
    this.#bridge = options.bridge;
    this.#sender = createMessageSender({
      call: (method, params) => this.#current().request(method, params),
      // A client whose mutation lane imsg blocked counts as down: sends wait for its restart.
      isConnected: () => {
        const client = this.#client();
        return client?.running === true && !client.mutationsBlocked;
      },
      now: this.#now,
      ...(options.reconnectWaitMs === undefined ? {} : { reconnectWaitMs: options.reconnectWaitMs }),
      ...(options.trackedSends === undefined ? {} : { trackedSends: options.trackedSends }),
      ...(options.accountId === undefined ? {} : { accountId: options.accountId }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  #current(): ImsgClient {
    const client = this.#client();
    if (!client) throw new RpcClientError("NOT_CONNECTED", "imsg is not connected (reconnecting)");
    return client;
  }

  delivery(chat: ChatAddress, options?: DeliveryOptions): Delivery {
    return this.#sender.delivery(chat, options);
  }

  sendStatus(guid: string): Promise<TrackedSendState | undefined> {
    return this.#client()?.running ? this.#sender.sendStatus(guid) : Promise.resolve(undefined);
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
    return this.#bridgeCall(() => this.#current().request("read", sendParamsForChat(chat)));
  }

  async setTyping(chat: ChatAddress, typing: boolean): Promise<boolean> {
    return this.#bridgeCall(() => this.#current().request("typing", { ...sendParamsForChat(chat), typing }));
  }

  /** A read or typing call; a failure for want of the bridge is reported to the capability owner (it re-probes). */
  async #bridgeCall(call: () => Promise<unknown>): Promise<boolean> {
    try {
      await call();
      return true;
    } catch (error) {
      // Receipts and typing are best effort: while imsg's mutation lane is blocked (restart pending) they are skipped.
      if (RpcClientError.isInstance(error) && error.code === "MUTATIONS_BLOCKED") return false;
      if (ImsgRpcError.isInstance(error) && error.code === -32004) return false;
      if (ImsgRpcError.isInstance(error) || RequestTimeoutError.isInstance(error)) {
        this.#bridge?.bridgeFailed();
        return false;
      }
      throw error;
    }
  }
}
