import { performance } from "node:perf_hooks";
import {
  createJSONRPCErrorResponse,
  createJSONRPCRequest,
  JSONRPCClient,
  type JSONRPCError,
  type JSONRPCResponse,
} from "json-rpc-2.0";
import { ImsgRpcError, RequestTimeoutError, RpcClientError } from "./errors.ts";

/** What became of one response line handed to `receive`. */
export type ReceivedResponse =
  | { kind: "answer" }
  /** The request had timed out already; the answer was dropped. */
  | { kind: "late"; method: string }
  /** No request of this client ever had that id (or the line had none). */
  | { kind: "unmatched" };

export interface RpcRequestsOptions {
  /** Writes one serialized request; a rejection fails that request as NOT_CONNECTED. */
  writeLine: (line: string) => Promise<void>;
  /** Names the peer in error messages (the transport's description). */
  description: () => string;
  /** Turns a wire error into the error the caller sees (default: the `ImsgRpcError` itself). */
  mapWireError?: (error: ImsgRpcError) => Error;
}

/** What the library hands back to us with each request, so a settled request knows why it settled. */
interface RequestContext {
  id: number;
  method: string;
  timeoutMs: number;
  /** `performance.now()` past which the shared sweep times the request out. */
  deadline: number;
  timedOut: boolean;
  writeFailure?: { cause: unknown };
}

/** The message of the error responses `endAll` makes the library settle every pending request with. */
const endedMessage = "imessage-channel: the client ended";
/** json-rpc-2.0 gives locally made error responses (failed sends, rejectAllPendingRequests) code 0. */
const libraryErrorCode = 0;

/**
 * The request side of one imsg connection. json-rpc-2.0 owns the bookkeeping: it keeps the pending table and settles
 * each request from the matching response, a timeout or an end. This class keeps what the library cannot know: which
 * ids it handed out (to tell a stray response from a real one), which requests timed out (a late `watch.subscribe`
 * answer still opened a stream that must be closed), when each request is due, and how a settled request maps to
 * this package's typed errors.
 *
 * Cheap per request, since a round trip to imsg takes tens of microseconds: the request goes to the library's
 * `requestAdvanced` with its id stamped here (no `timeout()` wrapper with a timer and closures per request), and one
 * shared timer, armed for the earliest deadline, times requests out by settling them through the library with an
 * error response, as its own `timeout()` would.
 */
export class RpcRequests {
  readonly #rpc: JSONRPCClient<RequestContext>;
  readonly #description: () => string;
  readonly #mapWireError: (error: ImsgRpcError) => Error;
  /** Requests the library timed out, by id, until their answer arrives (imsg answers every request once). */
  readonly #timedOut = new Map<number, string>();
  /** Requests sent and not settled, by id, in the order sent. */
  readonly #inFlight = new Map<number, RequestContext>();
  #sweep: NodeJS.Timeout | undefined;
  #sweepAt = Number.POSITIVE_INFINITY;
  #lastId = 0;
  #ended: Error | undefined;

  constructor(options: RpcRequestsOptions) {
    this.#description = options.description;
    this.#mapWireError = options.mapWireError ?? ((error) => error);
    this.#rpc = new JSONRPCClient<RequestContext>((request: unknown, context: RequestContext) =>
      options.writeLine(JSON.stringify(request)).catch((cause: unknown) => {
        // The library then settles the request with a code-0 error response; the context keeps the real cause.
        context.writeFailure = { cause };
        throw cause;
      }),
    );
  }

  /** Sends `method` and resolves with its raw `result`; rejects with a typed error (see `#errorOf`). */
  request(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    const id = ++this.#lastId;
    const deadline = performance.now() + timeoutMs;
    const context: RequestContext = { id, method, timeoutMs, deadline, timedOut: false };
    this.#inFlight.set(id, context);
    if (deadline < this.#sweepAt) this.#armSweep(deadline);
    // The library's promise is a native one (typed PromiseLike): Promise.resolve hands it back as it is.
    return Promise.resolve(this.#rpc.requestAdvanced(createJSONRPCRequest(id, method, params), context)).then(
      (response) => this.#settled(response, context),
    );
  }

  /** Hands one response line (already parsed and shaped as a JSON-RPC response) to the library. */
  receive(response: JSONRPCResponse): ReceivedResponse {
    const id = response.id;
    if (typeof id !== "number" || !Number.isInteger(id) || id < 1 || id > this.#lastId) return { kind: "unmatched" };
    const method = this.#timedOut.get(id);
    if (method !== undefined) {
      this.#timedOut.delete(id);
      return { kind: "late", method };
    }
    // An id answered twice finds nothing pending in the library, which ignores it.
    this.#rpc.receive(response);
    return { kind: "answer" };
  }

  /** Settles every pending request with `error` and every later one too; forgets the timed-out requests. */
  endAll(error: Error): void {
    this.#ended ??= error;
    this.#rpc.rejectAllPendingRequests(endedMessage);
    this.#timedOut.clear();
    this.#inFlight.clear();
    clearTimeout(this.#sweep);
    this.#sweep = undefined;
    this.#sweepAt = Number.POSITIVE_INFINITY;
  }

  /** What `JSONRPCClient.request` does with a response, minus its promise layers: the result, or a typed error. */
  #settled(response: JSONRPCResponse, context: RequestContext): unknown {
    this.#inFlight.delete(context.id);
    const { error } = response;
    if (error === undefined || error === null) return response.result;
    throw this.#errorOf(error, context);
  }

  #armSweep(deadline: number): void {
    clearTimeout(this.#sweep);
    this.#sweepAt = deadline;
    this.#sweep = setTimeout(() => this.#timeOutDue(), Math.max(0, deadline - performance.now()));
    // The transport's child or socket keeps the process alive while requests wait; this timer alone must not.
    this.#sweep.unref();
  }

  #timeOutDue(): void {
    this.#sweep = undefined;
    this.#sweepAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const context of this.#inFlight.values()) {
      if (context.deadline > now) {
        next = Math.min(next, context.deadline);
        continue;
      }
      this.#inFlight.delete(context.id);
      context.timedOut = true;
      this.#timedOut.set(context.id, context.method);
      this.#rpc.receive(createJSONRPCErrorResponse(context.id, libraryErrorCode, "timed out"));
    }
    if (next !== Number.POSITIVE_INFINITY) this.#armSweep(next);
  }

  #errorOf(error: JSONRPCError, context: RequestContext): Error {
    if (context.timedOut) return new RequestTimeoutError(context.method, context.timeoutMs);
    if (context.writeFailure !== undefined) {
      const { cause } = context.writeFailure;
      return (
        this.#ended ??
        new RpcClientError(
          "NOT_CONNECTED",
          `could not send ${context.method} to ${this.#description()}: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        )
      );
    }
    if (this.#ended !== undefined && error.code === libraryErrorCode && error.message === endedMessage) {
      return this.#ended;
    }
    return this.#mapWireError(new ImsgRpcError(context.method, error.code, error.message, error.data));
  }
}
