import { ChannelError } from "@imessage-channel/kit";

/** Every failure this package reports on purpose (wire errors from imsg are `ImsgRpcError` instead). */
export type RpcClientErrorCode =
  | "STARTUP_FAILED"
  | "REQUEST_TIMEOUT"
  | "CHILD_EXITED"
  | "SUBSCRIPTION_FAILED"
  | "RESULT_INVALID"
  | "PARAMS_INVALID"
  | "NOT_CONNECTED"
  | "CLIENT_CLOSED"
  | "LINE_TOO_COMPLEX"
  | "MUTATIONS_BLOCKED"
  | "ALREADY_READ";

/** The base error of `@imessage-channel/rpc-client`: a string `code` and a one-line message that says how to fix it. */
export class RpcClientError extends ChannelError<RpcClientErrorCode> {}

/**
 * imsg cannot serve requests: the Full Disk Access / permission answer (0.8.2+), non-JSON text on stdout
 * before any response, or an exit before answering (pre-0.8.2 builds print the banner and exit 1).
 */
export class ImsgStartupError extends RpcClientError {
  /** The text imsg gave (error `data`, or the non-JSON stdout line), for the operator. */
  readonly detail: string;
  /** True when the text names Full Disk Access or a permission error. */
  readonly fullDiskAccess: boolean;

  constructor(message: string, detail: string, options?: ErrorOptions) {
    super("STARTUP_FAILED", message, options);
    this.detail = detail;
    this.fullDiskAccess = isPermissionText(detail);
  }
}

/** A request got no response within its timeout. */
export class RequestTimeoutError extends RpcClientError {
  readonly method: string;
  readonly timeoutMs: number;

  constructor(method: string, timeoutMs: number) {
    super(
      "REQUEST_TIMEOUT",
      `imsg did not answer ${method} within ${timeoutMs} ms: check that imsg is responsive (macOS permission prompts block it) or raise the timeout`,
    );
    this.method = method;
    this.timeoutMs = timeoutMs;
  }
}

/** The imsg process (or SSH session) ended while a request or subscription was open. */
export class ChildExitedError extends RpcClientError {
  readonly exitCode: number | null;
  readonly signal: string | null;

  constructor(reason: string, exitCode: number | null, signal: string | null) {
    super("CHILD_EXITED", `${reason}; the supervisor restarts it, or start a new client`);
    this.exitCode = exitCode;
    this.signal = signal;
  }
}

/** imsg sent an `error` notification: that subscription is dead and must be resubscribed from the cursor. */
export class SubscriptionError extends RpcClientError {
  readonly subscription: number;

  constructor(subscription: number, reason: string) {
    super(
      "SUBSCRIPTION_FAILED",
      `imsg ended watch subscription ${subscription}: ${reason}; resubscribe with since_rowid set to the last processed id`,
    );
    this.subscription = subscription;
  }
}

/**
 * imsg 0.14+ ended the subscription with `watch.overflow`: its queue (`buffer_limit`) filled faster than we read. No
 * row is lost: every row after `resumeAfterRowid` is still in chat.db, to be read with `messages.after` before the
 * stream is resubscribed (docs/imsg-protocol.md#watch-on-010).
 */
export class SubscriptionOverflowError extends SubscriptionError {
  readonly resumeAfterRowid: number;

  constructor(subscription: number, resumeAfterRowid: number, reason: string) {
    super(subscription, `its queue overflowed (${reason}); rows after ${resumeAfterRowid} are read again`);
    this.resumeAfterRowid = resumeAfterRowid;
  }
}

/**
 * How far a mutation got, as imsg 0.14+ says in `error.data` of -32001, -32004 and -32603 "Delivery failed before
 * dispatch" (docs/imsg-protocol.md#typed-errors). Only `retrySafe` decides a resend; `detail` is for people.
 */
export interface DeliveryOutcome {
  disposition: "not_started" | "may_have_completed" | "still_in_flight" | (string & {});
  retrySafe: boolean;
  transport?: string;
  operation?: string;
  detail?: string;
}

/** -32002 (0.14+): chat.db cannot be opened now; imsg keeps running and a later request may succeed. */
export interface DatabaseUnavailable {
  path?: string;
  detail?: string;
  retryable: boolean;
}

/** A JSON-RPC error imsg answered with: the numeric wire `code`, its `message` and `data` as sent. */
export class ImsgRpcError extends ChannelError<number> {
  readonly wireMessage: string;
  readonly data: unknown;
  readonly method: string;

  constructor(method: string, code: number, wireMessage: string, data: unknown) {
    const text = typeof data === "string" ? data : detailOf(data);
    const detail = text !== undefined && text !== "" ? ` (${firstLine(text)})` : "";
    super(code, `imsg ${method} failed: ${code} ${wireMessage}${detail}`);
    this.method = method;
    this.wireMessage = wireMessage;
    this.data = data;
  }

  /** -32601: this imsg build does not have the method (older version). */
  get methodNotFound(): boolean {
    return this.code === -32601;
  }

  /** The typed delivery outcome of a mutation (0.14+), when `data` carries one; undefined for every other error. */
  get delivery(): DeliveryOutcome | undefined {
    if (typeof this.data !== "object" || this.data === null) return undefined;
    const data = this.data as Record<string, unknown>;
    if (typeof data.disposition !== "string") return undefined;
    const outcome: DeliveryOutcome = { disposition: data.disposition, retrySafe: data.retry_safe === true };
    if (typeof data.transport === "string") outcome.transport = data.transport;
    if (typeof data.operation === "string") outcome.operation = data.operation;
    if (typeof data.detail === "string") outcome.detail = data.detail;
    return outcome;
  }

  /** -32002 (0.14+): the database is not ready (Full Disk Access, a wrong path); retry later. */
  get databaseUnavailable(): DatabaseUnavailable | undefined {
    if (this.code !== -32002) return undefined;
    const data = typeof this.data === "object" && this.data !== null ? (this.data as Record<string, unknown>) : {};
    const unavailable: DatabaseUnavailable = { retryable: data.retryable !== false };
    if (typeof data.path === "string") unavailable.path = data.path;
    if (typeof data.detail === "string") unavailable.detail = data.detail;
    return unavailable;
  }

  /** -32000 (0.14+) admission back-pressure worth retrying; `server is shutting down` is not. */
  get busy(): boolean {
    return this.code === -32000 && !(typeof this.data === "string" && /shutting down/i.test(this.data));
  }
}

function detailOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const detail = (data as { detail?: unknown }).detail;
  return typeof detail === "string" ? detail : undefined;
}

/**
 * imsg 0.8.2+ rewrites database open failures into this banner; clients match on these words
 * (docs/imsg-protocol.md#startup-failure).
 */
export function isPermissionText(text: string): boolean {
  return /Full Disk Access|Permission Error/i.test(text);
}

function firstLine(text: string): string {
  const line = text.split("\n", 1)[0] ?? "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
