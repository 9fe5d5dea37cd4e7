import { createJSONRPCErrorResponse, JSONRPCClient, JSONRPCErrorException, type JSONRPCResponse } from "json-rpc-2.0";
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
  method: string;
  timedOut: boolean;
  writeFailure?: { cause: unknown };
}

/** The message of the error responses `endAll` makes the library settle every pending request with. */
const endedMessage = "imessage-channel: the client ended";
/** json-rpc-2.0 gives locally made error responses (failed sends, rejectAllPendingRequests) code 0. */
const libraryErrorCode = 0;

/**
 * The request side of one imsg connection. json-rpc-2.0 owns the bookkeeping: it stamps each request with an id,
 * keeps the pending table, runs each request's timeout and settles the request from the matching response. This
 * class keeps what the library cannot know: which ids it handed out (to tell a stray response from a real one),
 * which requests timed out (a late `watch.subscribe` answer still opened a stream that must be closed), and how a
 * settled request maps to this package's typed errors.
 */
export class RpcRequests {
  readonly #rpc: JSONRPCClient<RequestContext>;
  readonly #description: () => string;
  readonly #mapWireError: (error: ImsgRpcError) => Error;
  /** Requests the library timed out, by id, until their answer arrives (imsg answers every request once). */
  readonly #timedOut = new Map<number, string>();
  #lastId = 0;
  #ended: Error | undefined;

  constructor(options: RpcRequestsOptions) {
    this.#description = options.description;
    this.#mapWireError = options.mapWireError ?? ((error) => error);
    this.#rpc = new JSONRPCClient<RequestContext>(
      (request: unknown, context: RequestContext) =>
        options.writeLine(JSON.stringify(request)).catch((cause: unknown) => {
          // The library then settles the request with a code-0 error response; the context keeps the real cause.
          context.writeFailure = { cause };
          throw cause;
        }),
      () => ++this.#lastId,
    );
  }

  /** Sends `method` and resolves with its raw `result`; rejects with a typed error (see `#errorOf`). */
  request(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    if (this.#ended !== undefined) return Promise.reject(this.#ended);
    const context: RequestContext = { method, timedOut: false };
    const timeoutResponse = (id: number | string | null) => {
      context.timedOut = true;
      if (typeof id === "number") this.#timedOut.set(id, method);
      return createJSONRPCErrorResponse(id, libraryErrorCode, "timed out");
    };
    return Promise.resolve(this.#rpc.timeout(timeoutMs, timeoutResponse).request(method, params, context)).then(
      undefined,
      (error: unknown) => {
        throw this.#errorOf(error, context, timeoutMs);
      },
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
  }

  #errorOf(error: unknown, context: RequestContext, timeoutMs: number): Error {
    if (context.timedOut) return new RequestTimeoutError(context.method, timeoutMs);
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
    if (!(error instanceof JSONRPCErrorException)) return error instanceof Error ? error : new Error(String(error));
    if (this.#ended !== undefined && error.code === libraryErrorCode && error.message === endedMessage) {
      return this.#ended;
    }
    return this.#mapWireError(new ImsgRpcError(context.method, error.code, error.message, error.data));
  }
}
