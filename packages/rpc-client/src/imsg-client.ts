import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { type Logger, silentLogger } from "@imessage-channel/kit";
import type { Transport, TransportExit } from "@imessage-channel/transport";
import type { JSONRPCResponse } from "json-rpc-2.0";
import type { z } from "zod";
import { type CompiledCheck, compileCheck } from "./compiled-check.ts";
import { ChildExitedError, ImsgRpcError, ImsgStartupError, RpcClientError } from "./errors.ts";
import type { Chat, Message } from "./imsg-objects.ts";
import { defaultJsonLimits, type JsonLimits } from "./json-limits.ts";
import { linePreview } from "./logger.ts";
import {
  type ChatsCreateParams,
  type ChatsListParams,
  type ChatTarget,
  type GroupParticipantParams,
  type GroupRenameParams,
  type GroupSetIconParams,
  isReadMethod,
  type MessageEditParams,
  type MessagesAfterParams,
  type MessagesHistoryParams,
  type MessageTarget,
  type MessageUnsendParams,
  messagesAfterProblem,
  type ReadParams,
  type SendAttachmentParams,
  type SendParams,
  type SendRichParams,
  type TapbackParams,
  type TypingParams,
  toWireParams,
  type WatchSubscribeParams,
} from "./method-params.ts";
import {
  type ChatsCreateResult,
  type MessagesAfterResult,
  type SendResult,
  type SendRichResult,
  type TapbackResult,
  withoutUndefined,
} from "./method-results.ts";
import { legacyProtocol, type NegotiatedProtocol, negotiatedFromWire } from "./negotiated-protocol.ts";
import { describeIssues, parseChat, parseMessage, rowidOf } from "./parse-wire.ts";
import { RequestSlots } from "./request-slots.ts";
import { RpcRequests } from "./rpc-requests.ts";
import { StartupWatch, startupErrorOfAnswer } from "./startup-watch.ts";
import type { Subscription } from "./subscription.ts";
import { SubscriptionRouter } from "./subscription-router.ts";
import { lineTooComplexError, readWireLine } from "./wire-line.ts";
import {
  wireChatsCreateResultSchema,
  wireChatsListResultSchema,
  wireInitializeResultSchema,
  wireMessagesAfterResultSchema,
  wireMessagesHistoryResultSchema,
  wireOkResultSchema,
  wireSendResultSchema,
  wireSendRichResultSchema,
  wireSubscribeResultSchema,
  wireTapbackResultSchema,
} from "./wire-schemas.ts";

export interface ImsgClientOptions {
  /** The line transport to one `imsg rpc` process; the client starts it in start() when it is not running. */
  transport: Transport;
  logger?: Logger;
  /** Default timeout of chats.list, messages.history and watch.* (default 10 000 ms). */
  readTimeoutMs?: number;
  /**
   * Default timeout of send and every bridge/typing method (default 60 000 ms): AppleScript and the bridge are slow
   * (docs/imsg-protocol.md#ordering-and-timeouts).
   */
  sendTimeoutMs?: number;
  /**
   * Notifications kept for subscription ids not known yet (the race of docs/imsg-protocol.md#ordering-and-timeouts);
   * the oldest are dropped beyond it (default 10 000).
   */
  maxBufferedNotifications?: number;
  /** How long text lines before the first answer are gathered before they fail the client as a startup error (default 500 ms). */
  startupBannerGraceMs?: number;
  /**
   * A line nested deeper than this (objects and arrays) is logged and skipped before it is parsed (default 128;
   * imsg's objects nest under 10 deep). Parsing one nested millions deep grew RSS by ~500 MB, kept after GC.
   */
  maxJsonDepth?: number;
  /** A line with more objects and arrays than this is logged and skipped before it is parsed (default 100 000). */
  maxJsonContainers?: number;
  /**
   * Requests sent and not yet answered, at most (default 64): imsg 0.14+ refuses an identified request past 128
   * outstanding with -32000 and drops notifications past it; later calls wait their turn here.
   */
  maxOutstanding?: number;
  /** How often a request imsg refused with -32000 `Server busy` is tried again (default 3; never after `shutting down`). */
  busyRetries?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface ImsgClientEvents {
  /** imsg cannot serve: Full Disk Access answer, non-JSON stdout before any response, or exit before answering. */
  "startup-failed": [error: ImsgStartupError];
  /** The transport ended; every pending request and subscription was ended with `error`. */
  "child-exited": [exit: TransportExit, error: RpcClientError];
  /**
   * imsg 0.14+ said a mutation is still in flight (`still_in_flight`, or -32004): it runs no other mutation until
   * the child restarts, so this client refuses them locally from now on; reads and the watch go on.
   */
  "mutations-blocked": [error: ImsgRpcError];
}

const defaultReadTimeoutMs = 10_000;
/** imsg 0.14+ takes 128 outstanding requests; its docs recommend staying at or under 64. */
const defaultMaxOutstanding = 64;
const defaultBusyRetries = 3;
/** The first wait after a -32000, doubled each time: 50, 100, 200 ms (each jittered down to half). */
const busyRetryBaseMs = 50;
const defaultSendTimeoutMs = 60_000;

/** Each result schema's compiled check (compiled-check.ts), made on first use; zod then only describes bad results. */
const resultChecks = new WeakMap<z.ZodType, CompiledCheck<unknown>>();

function resultCheck<Schema extends z.ZodType>(schema: Schema): CompiledCheck<z.output<Schema>> {
  let check = resultChecks.get(schema);
  if (check === undefined) {
    check = compileCheck(schema);
    resultChecks.set(schema, check);
  }
  return check as CompiledCheck<z.output<Schema>>;
}

/**
 * A typed JSON-RPC 2.0 client for one `imsg rpc` process (docs/imsg-protocol.md: Framing, Errors, Methods,
 * Notifications, Objects): every method of imsg 0.9.0 with camelCase params, zod-validated results, per-request
 * timeouts, typed errors and watch subscriptions. Bad lines from imsg are logged with a preview and skipped; they never
 * throw.
 */
export class ImsgClient extends EventEmitter<ImsgClientEvents> {
  readonly #transport: Transport;
  readonly #logger: Logger;
  /** The failure that told us imsg's mutation lane is blocked (0.14+); mutations are refused locally after it. */
  #mutationsBlocked: ImsgRpcError | undefined;
  /** Bounds the requests in flight (`maxOutstanding`). */
  readonly #outstanding: RequestSlots;
  readonly #busyRetries: number;
  readonly #readTimeoutMs: number;
  readonly #sendTimeoutMs: number;
  readonly #jsonLimits: JsonLimits;
  readonly #requests: RpcRequests;
  readonly #router: SubscriptionRouter;
  readonly #startup: StartupWatch;
  #failure: RpcClientError | undefined;

  constructor(options: ImsgClientOptions) {
    super();
    this.#transport = options.transport;
    this.#logger = options.logger ?? silentLogger;
    this.#readTimeoutMs = options.readTimeoutMs ?? defaultReadTimeoutMs;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? defaultSendTimeoutMs;
    this.#jsonLimits = {
      maxDepth: options.maxJsonDepth ?? defaultJsonLimits.maxDepth,
      maxContainers: options.maxJsonContainers ?? defaultJsonLimits.maxContainers,
    };
    this.#startup = new StartupWatch({
      logger: this.#logger,
      bannerGraceMs: options.startupBannerGraceMs ?? 500,
      onBannerTimeout: () => this.#failFromBanner(),
      onStartupFailed: (error) => this.emit("startup-failed", error),
    });
    this.#outstanding = new RequestSlots(options.maxOutstanding ?? defaultMaxOutstanding);
    this.#busyRetries = options.busyRetries ?? defaultBusyRetries;
    this.#requests = new RpcRequests({
      writeLine: (line) => this.#transport.writeLine(line),
      description: () => this.description,
      mapWireError: (error) => {
        const startupError = startupErrorOfAnswer(error);
        if (startupError === undefined) return error;
        this.#startup.report(startupError);
        return startupError;
      },
    });
    this.#router = new SubscriptionRouter(this.#logger, options.maxBufferedNotifications ?? 10_000);
    this.#transport.on("line", (line) => this.#onLine(line));
    this.#transport.on("warning", (message) => this.#logger.warn({ transport: this.description }, message));
    this.#transport.on("stderr", (text) =>
      this.#logger.info({ transport: this.description, stderr: linePreview(text.trimEnd()) }, "imsg wrote to stderr"),
    );
    this.#transport.on("exit", (exit) => this.#onExit(exit));
  }

  get description(): string {
    return this.#transport.description;
  }

  /** The error that ended this client (startup failure or exit), if any: every later call rejects with it. */
  get failure(): RpcClientError | undefined {
    return this.#failure;
  }

  get running(): boolean {
    return this.#transport.running && this.#failure === undefined;
  }

  async start(): Promise<void> {
    if (!this.#transport.running) await this.#transport.start();
  }

  /** Ends stdin, waits for imsg to exit (terminating it if needed), and ends every subscription. */
  async close(): Promise<TransportExit> {
    return this.#transport.close();
  }

  /**
   * Sends one request with an id (always: imsg answers id-less requests with errors only,
   * docs/imsg-protocol.md#responses) and resolves with the raw `result`. Typed methods below validate it; use this for
   * methods newer than this client.
   */
  request(method: string, params: Record<string, unknown> = {}, options: RequestOptions = {}): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const read = isReadMethod(method);
    if (!read && this.#mutationsBlocked !== undefined) {
      const blocked = this.#mutationsBlocked.delivery;
      return Promise.reject(
        new RpcClientError(
          "MUTATIONS_BLOCKED",
          `${method} was not sent: imsg runs no mutation on this connection until it restarts (a prior ${blocked?.operation ?? "mutation"} is still in flight); send it again on the restarted child`,
        ),
      );
    }
    const timeoutMs = options.timeoutMs ?? (read ? this.#readTimeoutMs : this.#sendTimeoutMs);
    const sent = this.#outstanding.run(() => this.#admitted(method, params, timeoutMs));
    return read ? sent : sent.catch((error: unknown) => this.#noteMutationFailure(error));
  }

  /**
   * One request, tried again while imsg answers -32000 `Server busy` (its admission refused it, so it never ran), with
   * a jittered, doubling wait (docs/imsg-protocol.md#lanes); `server is shutting down` is not retried.
   */
  #admitted(method: string, params: Record<string, unknown>, timeoutMs: number, attempt = 0): Promise<unknown> {
    // A promise chain, not an async loop: the answered request, the common case, costs no extra await.
    return this.#requests.request(method, params, timeoutMs).catch((error: unknown) => {
      if (!(ImsgRpcError.isInstance(error) && error.busy) || attempt >= this.#busyRetries) throw error;
      const delayMs = Math.round(busyRetryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2));
      this.#logger.debug({ method, attempt: attempt + 1, delayMs }, "imsg was busy; trying the request again");
      return sleep(delayMs).then(() => this.#admitted(method, params, timeoutMs, attempt + 1));
    });
  }

  /** True once imsg said a mutation is still in flight: only a restarted child takes mutations again. */
  get mutationsBlocked(): boolean {
    return this.#mutationsBlocked !== undefined;
  }

  #noteMutationFailure(error: unknown): never {
    const blocks =
      ImsgRpcError.isInstance(error) && (error.code === -32004 || error.delivery?.disposition === "still_in_flight");
    if (blocks && this.#mutationsBlocked === undefined) {
      this.#mutationsBlocked = error;
      this.emit("mutations-blocked", error);
    }
    throw error;
  }

  /**
   * `initialize {protocol_version: 1}` (0.14+): what this connection can do now. A build before 0.14 answers
   * -32601, which is harmless: it speaks protocol 0 (`legacyProtocol`), and only the one-shot probe tells more.
   */
  async initialize(options?: RequestOptions): Promise<NegotiatedProtocol> {
    try {
      const result = await this.#typed("initialize", { protocolVersion: 1 }, wireInitializeResultSchema, options);
      return negotiatedFromWire(result);
    } catch (error) {
      if (ImsgRpcError.isInstance(error) && error.methodNotFound) return legacyProtocol;
      throw error;
    }
  }

  async chatsList(params: ChatsListParams = {}, options?: RequestOptions): Promise<Chat[]> {
    const result = await this.#typed("chats.list", params, wireChatsListResultSchema, options);
    const chats: Chat[] = [];
    for (const value of result.chats) {
      const parsed = parseChat(value);
      if (parsed.success) chats.push(parsed.value);
      else
        this.#logger.warn(
          { problem: parsed.problem, chatId: rowidOf(value) },
          "skipped an invalid chat from chats.list",
        );
    }
    return chats;
  }

  /**
   * Newest first (by date), reactions folded into `reactions`, as imsg returns them
   * (docs/imsg-protocol.md#messageshistory).
   */
  async messagesHistory(params: MessagesHistoryParams, options?: RequestOptions): Promise<Message[]> {
    const result = await this.#typed("messages.history", params, wireMessagesHistoryResultSchema, options);
    return this.#messagesOf(result.messages, "messages.history");
  }

  /**
   * One page of `messages.after` (0.14+; older builds answer -32601, so gate on the negotiated `methods`): ROWID
   * ascending after the exclusive `sinceRowid`, reactions filled (docs/imsg-protocol.md#messagesafter). Page by
   * feeding `nextRowid` back while `hasMore`. Params imsg would refuse reject with `PARAMS_INVALID` before sending.
   */
  async messagesAfter(params: MessagesAfterParams, options?: RequestOptions): Promise<MessagesAfterResult> {
    const problem = messagesAfterProblem(params);
    if (problem !== undefined) throw new RpcClientError("PARAMS_INVALID", problem);
    const result = await this.#typed("messages.after", params, wireMessagesAfterResultSchema, options);
    return {
      messages: this.#messagesOf(result.messages, "messages.after"),
      nextRowid: result.next_rowid,
      hasMore: result.has_more,
    };
  }

  /**
   * Starts a watch stream. Notifications that arrive before the response are kept and delivered first, in order
   * (docs/imsg-protocol.md#ordering-and-timeouts). Pass `sinceRowid` (the last processed rowid) to resume without gaps.
   */
  async subscribe(params: WatchSubscribeParams = {}, options?: RequestOptions): Promise<Subscription> {
    const { subscription: id } = await this.#typed("watch.subscribe", params, wireSubscribeResultSchema, options);
    return this.#router.open(id, () => this.unsubscribe(id));
  }

  /** Always `ok` on the imsg side, even for unknown ids (docs/imsg-protocol.md#watchunsubscribe). */
  async unsubscribe(subscription: number, options?: RequestOptions): Promise<void> {
    this.#router.close(subscription);
    if (this.#failure !== undefined) return;
    await this.#typed("watch.unsubscribe", { subscription }, wireOkResultSchema, options);
  }

  async send(params: SendParams, options?: RequestOptions): Promise<SendResult> {
    const result = await this.#typed("send", params, wireSendResultSchema, options);
    return withoutUndefined({ ok: result.ok, transport: result.transport, id: result.id, guid: result.guid });
  }

  async sendRich(params: SendRichParams, options?: RequestOptions): Promise<SendRichResult> {
    const result = await this.#typed("send.rich", params, wireSendRichResultSchema, options);
    return withoutUndefined({ ok: result.ok, queued: result.queued, guid: result.guid ?? result.message_id });
  }

  async sendAttachment(params: SendAttachmentParams, options?: RequestOptions): Promise<SendRichResult> {
    const result = await this.#typed("send.attachment", params, wireSendRichResultSchema, options);
    return withoutUndefined({ ok: result.ok, queued: result.queued, guid: result.guid ?? result.message_id });
  }

  async tapback(params: TapbackParams, options?: RequestOptions): Promise<TapbackResult> {
    const result = await this.#typed("tapback", params, wireTapbackResultSchema, options);
    return withoutUndefined({ ok: result.ok, reaction: result.reaction });
  }

  async typing(params: TypingParams, options?: RequestOptions): Promise<void> {
    await this.#typed("typing", params, wireOkResultSchema, options);
  }

  async read(params: ReadParams, options?: RequestOptions): Promise<void> {
    await this.#typed("read", params, wireOkResultSchema, options);
  }

  async messageEdit(params: MessageEditParams, options?: RequestOptions): Promise<void> {
    await this.#typed("message.edit", params, wireOkResultSchema, options);
  }

  async messageUnsend(params: MessageUnsendParams, options?: RequestOptions): Promise<void> {
    await this.#typed("message.unsend", params, wireOkResultSchema, options);
  }

  async messageDelete(params: MessageTarget, options?: RequestOptions): Promise<void> {
    await this.#typed("message.delete", params, wireOkResultSchema, options);
  }

  async messageNotifyAnyways(params: MessageTarget, options?: RequestOptions): Promise<void> {
    await this.#typed("message.notifyAnyways", params, wireOkResultSchema, options);
  }

  async chatsCreate(params: ChatsCreateParams, options?: RequestOptions): Promise<ChatsCreateResult> {
    const result = await this.#typed("chats.create", params, wireChatsCreateResultSchema, options);
    return withoutUndefined({ ok: result.ok, chatGuid: result.chat_guid });
  }

  async chatsDelete(params: ChatTarget, options?: RequestOptions): Promise<void> {
    await this.#typed("chats.delete", params, wireOkResultSchema, options);
  }

  async chatsMarkUnread(params: ChatTarget, options?: RequestOptions): Promise<void> {
    await this.#typed("chats.markUnread", params, wireOkResultSchema, options);
  }

  async groupRename(params: GroupRenameParams, options?: RequestOptions): Promise<void> {
    await this.#typed("group.rename", params, wireOkResultSchema, options);
  }

  async groupSetIcon(params: GroupSetIconParams, options?: RequestOptions): Promise<void> {
    await this.#typed("group.setIcon", params, wireOkResultSchema, options);
  }

  async groupAddParticipant(params: GroupParticipantParams, options?: RequestOptions): Promise<void> {
    await this.#typed("group.addParticipant", params, wireOkResultSchema, options);
  }

  async groupRemoveParticipant(params: GroupParticipantParams, options?: RequestOptions): Promise<void> {
    await this.#typed("group.removeParticipant", params, wireOkResultSchema, options);
  }

  async groupLeave(params: ChatTarget, options?: RequestOptions): Promise<void> {
    await this.#typed("group.leave", params, wireOkResultSchema, options);
  }

  /** Valid messages of a read, in imsg's order; an invalid one is logged with its rowid and skipped. */
  #messagesOf(values: unknown[], method: string): Message[] {
    const messages: Message[] = [];
    for (const value of values) {
      const parsed = parseMessage(value);
      if (parsed.success) messages.push(parsed.value);
      else
        this.#logger.warn(
          { problem: parsed.problem, rowid: rowidOf(value) },
          `skipped an invalid message from ${method}`,
        );
    }
    return messages;
  }

  #typed<Schema extends z.ZodType>(
    method: string,
    params: object,
    schema: Schema,
    options: RequestOptions | undefined,
  ): Promise<z.output<Schema>> {
    return this.request(method, toWireParams(params), options).then((result) => {
      if (resultCheck(schema)(result)) return result;
      const parsed = schema.safeParse(result);
      if (parsed.success) return parsed.data;
      throw new RpcClientError(
        "RESULT_INVALID",
        `imsg ${method} answered an unexpected result (${describeIssues(parsed.error)}): ${linePreview(JSON.stringify(result) ?? "undefined")}; check the imsg version`,
      );
    });
  }

  #onLine(line: string): void {
    const read = readWireLine(line, this.#jsonLimits);
    switch (read.kind) {
      case "too-complex": {
        // Skipped unparsed: a response among such lines leaves its request to time out, with its method named.
        const error = lineTooComplexError(line, read.exceeded, this.#jsonLimits);
        this.#logger.warn({ transport: this.description, code: error.code, line: linePreview(line) }, error.message);
        return;
      }
      case "not-json":
        this.#startup.text(line);
        return;
      case "not-object":
        this.#logger.warn({ line: linePreview(line) }, "skipped a line from imsg that is not a JSON object");
        return;
      case "notification":
        this.#router.notify(read.method, read.params, line);
        return;
      case "response":
        this.#onResponse(read.response, line);
        return;
      case "neither":
        this.#logger.warn(
          { line: linePreview(line) },
          "skipped a JSON line from imsg that is neither a response nor a notification",
        );
    }
  }

  #onResponse(response: JSONRPCResponse, line: string): void {
    const received = this.#requests.receive(response);
    this.#startup.response(received.kind !== "unmatched");
    if (received.kind === "unmatched") {
      this.#logger.warn({ line: linePreview(line) }, "skipped a response from imsg that matches no request");
      return;
    }
    if (received.kind === "answer") return;
    const { id } = response;
    this.#logger.warn(
      { id, method: received.method },
      "imsg answered a request after its timeout; the answer is dropped",
    );
    // The stream it opened would run unseen: close it on both sides.
    const subscription = ("result" in response ? (response.result as { subscription?: unknown } | null) : null)
      ?.subscription;
    if (received.method === "watch.subscribe" && typeof subscription === "number") {
      this.#router.forget(subscription);
      void this.unsubscribe(subscription).catch(() => {});
    }
  }

  #failFromBanner(): void {
    const error = this.#startup.bannerFailure();
    if (error === undefined || this.#failure !== undefined) return;
    this.#logger.error({ transport: this.description, text: linePreview(error.detail) }, error.message);
    this.#failAll(error);
    this.#startup.report(error);
  }

  #onExit(exit: TransportExit): void {
    this.#failFromBanner();
    const error =
      this.#failure ?? this.#startup.exitFailure(exit) ?? new ChildExitedError(exit.reason, exit.code, exit.signal);
    if (ImsgStartupError.isInstance(error)) this.#startup.report(error);
    this.#failAll(error);
    this.emit("child-exited", exit, error);
  }

  #failAll(error: RpcClientError): void {
    this.#failure ??= error;
    this.#requests.endAll(error);
    this.#router.endAll(error);
  }
}
