import { EventEmitter } from "node:events";
import type { Transport, TransportExit } from "@imessage-channel/transport";
import { createJSONRPCErrorResponse, JSONRPCClient, type JSONRPCResponse } from "json-rpc-2.0";
import type { z } from "zod";
import {
  ChildExitedError,
  ImsgRpcError,
  ImsgStartupError,
  isPermissionText,
  RequestTimeoutError,
  RpcClientError,
  SubscriptionError,
} from "./errors.ts";
import type { Chat, Message } from "./imsg-objects.ts";
import { defaultJsonLimits, exceededJsonLimit, type JsonLimitExceeded, type JsonLimits } from "./json-limits.ts";
import { linePreview, type RpcClientLogger, silentLogger } from "./logger.ts";
import {
  type ChatsCreateParams,
  type ChatsListParams,
  type ChatTarget,
  type GroupParticipantParams,
  type GroupRenameParams,
  type GroupSetIconParams,
  isReadMethod,
  type MessageEditParams,
  type MessagesHistoryParams,
  type MessageTarget,
  type MessageUnsendParams,
  type ReadParams,
  type SendAttachmentParams,
  type SendParams,
  type SendRichParams,
  type TapbackParams,
  type TypingParams,
  toWireParams,
  type WatchSubscribeParams,
} from "./method-params.ts";
import { describeIssues, parseChat, parseMessage, rowidOf } from "./parse-wire.ts";
import { Subscription } from "./subscription.ts";
import {
  wireChatsCreateResultSchema,
  wireChatsListResultSchema,
  wireErrorNotificationSchema,
  wireMessageNotificationSchema,
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
  logger?: RpcClientLogger;
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
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface SendResult {
  ok: boolean;
  /** `bridge` or `applescript` (0.8.1+). */
  transport?: string;
  /** Rowid of the sent row when AppleScript verification found it. */
  id?: number;
  guid?: string;
}

export interface SendRichResult {
  ok: boolean;
  queued?: boolean;
  guid?: string;
}

export interface TapbackResult {
  ok: boolean;
  reaction?: string;
}

export interface ChatsCreateResult {
  ok: boolean;
  chatGuid?: string;
}

export interface ImsgClientEvents {
  /** imsg cannot serve: Full Disk Access answer, non-JSON stdout before any response, or exit before answering. */
  "startup-failed": [error: ImsgStartupError];
  /** The transport ended; every pending request and subscription was ended with `error`. */
  "child-exited": [exit: TransportExit, error: RpcClientError];
}

type BufferedNotification = { kind: "message"; message: Message } | { kind: "error"; reason: string };

interface PendingRequest {
  method: string;
  timer: NodeJS.Timeout;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

const defaultReadTimeoutMs = 10_000;
const defaultSendTimeoutMs = 60_000;

/**
 * A typed JSON-RPC 2.0 client for one `imsg rpc` process (docs/imsg-protocol.md: Framing, Errors, Methods,
 * Notifications, Objects): every method of imsg 0.9.0 with camelCase params, zod-validated results, per-request
 * timeouts, typed errors and watch subscriptions. Bad lines from imsg are logged with a preview and skipped; they never
 * throw.
 */
export class ImsgClient extends EventEmitter<ImsgClientEvents> {
  readonly #transport: Transport;
  readonly #logger: RpcClientLogger;
  readonly #readTimeoutMs: number;
  readonly #sendTimeoutMs: number;
  readonly #maxBuffered: number;
  readonly #rpc: JSONRPCClient;
  readonly #pending = new Map<number, PendingRequest>();
  /** Requests that timed out, by id, so a late `watch.subscribe` answer can be unsubscribed instead of leaking. */
  readonly #abandoned = new Map<number, string>();
  readonly #subscriptions = new Map<number, Subscription>();
  /** Ids this client unsubscribed or saw fail; imsg never reuses them (docs/imsg-protocol.md#ordering-and-timeouts). */
  readonly #endedSubscriptions = new Set<number>();
  readonly #buffered = new Map<number, BufferedNotification[]>();
  #bufferedCount = 0;
  #nextId = 0;
  #answered = false;
  #bannerLines: string[] = [];
  #bannerTimer: NodeJS.Timeout | undefined;
  readonly #startupBannerGraceMs: number;
  readonly #jsonLimits: JsonLimits;
  #failure: RpcClientError | undefined;

  constructor(options: ImsgClientOptions) {
    super();
    this.#transport = options.transport;
    this.#logger = options.logger ?? silentLogger;
    this.#readTimeoutMs = options.readTimeoutMs ?? defaultReadTimeoutMs;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? defaultSendTimeoutMs;
    this.#maxBuffered = options.maxBufferedNotifications ?? 10_000;
    this.#startupBannerGraceMs = options.startupBannerGraceMs ?? 500;
    this.#jsonLimits = {
      maxDepth: options.maxJsonDepth ?? defaultJsonLimits.maxDepth,
      maxContainers: options.maxJsonContainers ?? defaultJsonLimits.maxContainers,
    };
    // A failed write is settled here: json-rpc-2.0 would turn it into an error response with code 0.
    this.#rpc = new JSONRPCClient((request: { id?: unknown }) =>
      this.#transport.writeLine(JSON.stringify(request)).catch((error: unknown) => {
        if (typeof request.id === "number") this.#fail(request.id, error);
      }),
    );
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
    const id = ++this.#nextId;
    const timeoutMs = options.timeoutMs ?? (isReadMethod(method) ? this.#readTimeoutMs : this.#sendTimeoutMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#abandon(id);
        this.#abandoned.set(id, method);
        reject(new RequestTimeoutError(method, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { method, timer, resolve, reject });
      void this.#rpc
        .requestAdvanced({ jsonrpc: "2.0", id, method, params })
        .then((response) => this.#settle(id, response));
    });
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
    const messages: Message[] = [];
    for (const value of result.messages) {
      const parsed = parseMessage(value);
      if (parsed.success) messages.push(parsed.value);
      else
        this.#logger.warn(
          { problem: parsed.problem, rowid: rowidOf(value) },
          "skipped an invalid message from messages.history",
        );
    }
    return messages;
  }

  /**
   * Starts a watch stream. Notifications that arrive before the response are kept and delivered first, in order
   * (docs/imsg-protocol.md#ordering-and-timeouts). Pass `sinceRowid` (the last processed rowid) to resume without gaps.
   */
  async subscribe(params: WatchSubscribeParams = {}, options?: RequestOptions): Promise<Subscription> {
    const { subscription: id } = await this.#typed("watch.subscribe", params, wireSubscribeResultSchema, options);
    const subscription = new Subscription(id, () => this.unsubscribe(id));
    if (this.#failure !== undefined) {
      subscription.end(this.#failure);
      return subscription;
    }
    this.#subscriptions.set(id, subscription);
    const buffered = this.#buffered.get(id) ?? [];
    this.#buffered.delete(id);
    this.#bufferedCount -= buffered.length;
    for (const notification of buffered) this.#deliver(subscription, notification);
    return subscription;
  }

  /** Always `ok` on the imsg side, even for unknown ids (docs/imsg-protocol.md#watchunsubscribe). */
  async unsubscribe(subscription: number, options?: RequestOptions): Promise<void> {
    this.#subscriptions.get(subscription)?.end(undefined);
    this.#subscriptions.delete(subscription);
    this.#endedSubscriptions.add(subscription);
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

  async #typed<Schema extends z.ZodType>(
    method: string,
    params: object,
    schema: Schema,
    options: RequestOptions | undefined,
  ): Promise<z.output<Schema>> {
    const result = await this.request(method, toWireParams(params), options);
    const parsed = schema.safeParse(result);
    if (parsed.success) return parsed.data;
    throw new RpcClientError(
      "RESULT_INVALID",
      `imsg ${method} answered an unexpected result (${describeIssues(parsed.error)}): ${linePreview(JSON.stringify(result) ?? "undefined")}; check the imsg version`,
    );
  }

  #settle(id: number, response: JSONRPCResponse): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if (response.error === undefined || response.error === null) {
      pending.resolve(response.result);
      return;
    }
    const { code, message, data } = response.error;
    if (code === -32603 && typeof data === "string" && isPermissionText(data)) {
      const error = new ImsgStartupError(
        `imsg cannot open the Messages database (${firstLineOf(data)}): grant Full Disk Access to the app that runs imsg (System Settings → Privacy & Security), or fix --db`,
        data,
      );
      this.#reportStartupFailure(error);
      pending.reject(error);
      return;
    }
    pending.reject(new ImsgRpcError(pending.method, code, message, data));
  }

  #fail(id: number, cause: unknown): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#abandon(id);
    pending.reject(
      this.#failure ??
        new RpcClientError(
          "NOT_CONNECTED",
          `could not send ${pending.method} to ${this.description}: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        ),
    );
  }

  /** Drops a request from both our table and json-rpc-2.0's, so a late answer is ignored and nothing leaks. */
  #abandon(id: number): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    this.#rpc.receive(createJSONRPCErrorResponse(id, 0, "abandoned"));
  }

  #onLine(line: string): void {
    const exceeded = exceededJsonLimit(line, this.#jsonLimits);
    if (exceeded !== undefined) {
      this.#onTooComplex(line, exceeded);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#onNonJson(line);
      return;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.#logger.warn({ line: linePreview(line) }, "skipped a line from imsg that is not a JSON object");
      return;
    }
    const object = value as Record<string, unknown>;
    if (typeof object.method === "string") {
      this.#onNotification(object.method, object.params, line);
      return;
    }
    if ("result" in object || "error" in object) {
      this.#onResponse(object, line);
      return;
    }
    this.#logger.warn(
      { line: linePreview(line) },
      "skipped a JSON line from imsg that is neither a response nor a notification",
    );
  }

  /** Skipped unparsed: a response among such lines leaves its request to time out, with its method named. */
  #onTooComplex(line: string, exceeded: JsonLimitExceeded): void {
    const [limit, fix] =
      exceeded.limit === "depth"
        ? [
            `nested deeper than ${this.#jsonLimits.maxDepth} levels (maxJsonDepth)`,
            "imsg's objects nest under 10 deep, so check what writes to its stdout",
          ]
        : [
            `with more than ${this.#jsonLimits.maxContainers} objects and arrays (maxJsonContainers)`,
            "raise maxJsonContainers if imsg really answers with this much",
          ];
    const error = new RpcClientError(
      "LINE_TOO_COMPLEX",
      `skipped a line from imsg ${limit} without parsing it (${line.length} chars, over the limit at char ${exceeded.index}): ${fix}; the stream continues`,
    );
    this.#logger.warn({ transport: this.description, code: error.code, line: linePreview(line) }, error.message);
  }

  #onNonJson(line: string): void {
    if (this.#answered) {
      this.#logger.warn({ line: linePreview(line) }, "skipped a line from imsg that is not JSON");
      return;
    }
    // Builds before 0.8.2 print a multi-line permission banner as text, then exit 1
    // (docs/imsg-protocol.md#startup-failure): gather it briefly so the error carries the whole text, then fail. A JSON
    // answer in the meantime means it was only noise.
    this.#bannerLines.push(line);
    this.#bannerTimer ??= setTimeout(() => this.#failFromBanner(), this.#startupBannerGraceMs);
  }

  #failFromBanner(): void {
    clearTimeout(this.#bannerTimer);
    if (this.#bannerLines.length === 0 || this.#failure !== undefined) return;
    const text = this.#bannerLines.join("\n");
    const preview = linePreview(this.#bannerLines.find((candidate) => candidate.trim() !== "") ?? "");
    const error = new ImsgStartupError(
      isPermissionText(text)
        ? `imsg cannot open the Messages database ("${preview}"): grant Full Disk Access to the app that runs imsg, or upgrade imsg to 0.9.0`
        : `imsg printed text instead of JSON-RPC before answering ("${preview}"): check that cliPath runs \`imsg rpc\` (0.8.2+ recommended)`,
      text,
    );
    this.#logger.error({ transport: this.description, text: linePreview(text) }, error.message);
    this.#failAll(error);
    this.#reportStartupFailure(error);
  }

  #settleBanner(): void {
    if (this.#bannerLines.length === 0) return;
    clearTimeout(this.#bannerTimer);
    for (const line of this.#bannerLines) {
      this.#logger.warn({ line: linePreview(line) }, "skipped a line from imsg that is not JSON");
    }
    this.#bannerLines = [];
  }

  #onResponse(object: Record<string, unknown>, line: string): void {
    const id = object.id;
    this.#settleBanner();
    if (typeof id === "number" && this.#pending.has(id)) {
      this.#answered = true;
      this.#rpc.receive(object as unknown as JSONRPCResponse);
      return;
    }
    if (typeof id === "number" && this.#abandoned.has(id)) {
      this.#answered = true;
      const method = this.#abandoned.get(id);
      this.#abandoned.delete(id);
      this.#logger.warn({ id, method }, "imsg answered a request after its timeout; the answer is dropped");
      const subscription = (object.result as { subscription?: unknown } | undefined)?.subscription;
      if (method === "watch.subscribe" && typeof subscription === "number") {
        this.#dropBuffered(subscription);
        void this.unsubscribe(subscription).catch(() => {});
      }
      return;
    }
    this.#logger.warn({ line: linePreview(line) }, "skipped a response from imsg that matches no request");
  }

  #onNotification(method: string, params: unknown, line: string): void {
    if (method === "message") {
      const envelope = wireMessageNotificationSchema.safeParse(params);
      if (!envelope.success) {
        this.#logger.warn(
          { line: linePreview(line), problem: describeIssues(envelope.error) },
          "skipped an invalid message notification",
        );
        return;
      }
      const parsed = parseMessage(envelope.data.message);
      if (!parsed.success) {
        this.#logger.error(
          {
            subscription: envelope.data.subscription,
            rowid: rowidOf(envelope.data.message),
            problem: parsed.problem,
            line: linePreview(line),
          },
          "skipped a message notification that failed validation",
        );
        return;
      }
      this.#route(envelope.data.subscription, { kind: "message", message: parsed.value });
      return;
    }
    if (method === "error") {
      const envelope = wireErrorNotificationSchema.safeParse(params);
      if (!envelope.success) {
        this.#logger.warn({ line: linePreview(line) }, "skipped an invalid error notification");
        return;
      }
      const reason = envelope.data.error?.message ?? "unknown error";
      this.#logger.warn({ subscription: envelope.data.subscription, reason }, "imsg ended a watch subscription");
      this.#route(envelope.data.subscription, { kind: "error", reason });
      return;
    }
    this.#logger.debug({ method, line: linePreview(line) }, "skipped a notification of an unknown method");
  }

  #route(id: number, notification: BufferedNotification): void {
    const subscription = this.#subscriptions.get(id);
    if (subscription !== undefined) {
      this.#deliver(subscription, notification);
      return;
    }
    // imsg may still be streaming for a subscription we just ended; those rows come again on the next one.
    if (this.#endedSubscriptions.has(id)) return;
    const buffered = this.#buffered.get(id) ?? [];
    buffered.push(notification);
    this.#buffered.set(id, buffered);
    this.#bufferedCount += 1;
    if (this.#bufferedCount > this.#maxBuffered) this.#dropOldestBuffered();
  }

  #deliver(subscription: Subscription, notification: BufferedNotification): void {
    if (notification.kind === "message") {
      subscription.push(notification.message);
      return;
    }
    this.#subscriptions.delete(subscription.id);
    this.#endedSubscriptions.add(subscription.id);
    subscription.end(new SubscriptionError(subscription.id, notification.reason));
  }

  #dropBuffered(id: number): void {
    this.#bufferedCount -= this.#buffered.get(id)?.length ?? 0;
    this.#buffered.delete(id);
  }

  #dropOldestBuffered(): void {
    // Subscription ids only grow, so the smallest buffered id is the one least likely to be claimed.
    const oldest = Math.min(...this.#buffered.keys());
    const buffered = this.#buffered.get(oldest);
    buffered?.shift();
    this.#bufferedCount -= 1;
    if (buffered?.length === 0) this.#buffered.delete(oldest);
    this.#logger.warn({ subscription: oldest }, "dropped a buffered notification for an unknown subscription");
  }

  #onExit(exit: TransportExit): void {
    this.#failFromBanner();
    const error =
      this.#failure ??
      (!this.#answered && exit.code !== null && exit.code !== 0 && exit.signal === null
        ? new ImsgStartupError(
            `${exit.reason} before answering any request: run \`imsg rpc\` by hand to see why (pre-0.8.2 builds exit when they lack Full Disk Access)`,
            exit.reason,
          )
        : new ChildExitedError(exit.reason, exit.code, exit.signal));
    if (ImsgStartupError.isInstance(error)) this.#reportStartupFailure(error);
    this.#failAll(error);
    this.emit("child-exited", exit, error);
  }

  #failAll(error: RpcClientError): void {
    this.#failure ??= error;
    for (const [id, pending] of this.#pending) {
      this.#abandon(id);
      pending.reject(error);
    }
    for (const subscription of this.#subscriptions.values()) subscription.end(error);
    this.#subscriptions.clear();
    this.#abandoned.clear();
    this.#buffered.clear();
    this.#bufferedCount = 0;
  }

  #startupReported = false;

  #reportStartupFailure(error: ImsgStartupError): void {
    if (this.#startupReported) return;
    this.#startupReported = true;
    this.emit("startup-failed", error);
  }
}

function firstLineOf(text: string): string {
  return linePreview(text.split("\n", 1)[0] ?? "");
}

function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
