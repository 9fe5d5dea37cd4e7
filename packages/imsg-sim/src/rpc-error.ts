/**
 * `error.data` on the wire: a string, except for 0.14+'s typed outcomes (-32001…-32004 and the -32603 "Delivery failed
 * before dispatch"), whose data is an object (docs/imsg-protocol.md, Typed errors).
 */
export type RpcErrorData = string | Readonly<Record<string, unknown>>;

/**
 * Why a bridge call failed: `not_ready` before anything was handed to the helper (SIP, not injected), `failed` once it
 * was (a timeout, a dylib error). 0.9.0 answers both as -32603 text; 0.14+ types them (rpc-dispatch.ts).
 */
export type BridgeFailure = "not_ready" | "failed";

/** A JSON-RPC error as imsg puts it on the wire: numeric code, fixed message, data. */
export class RpcError extends Error {
  readonly rpcCode: number;
  readonly data: RpcErrorData;
  /** Set on the -32603 texts of bridge-call.ts, so 0.14+ can map them to delivery outcomes. */
  readonly bridgeFailure: BridgeFailure | undefined;

  constructor(rpcCode: number, message: string, data: RpcErrorData, bridgeFailure?: BridgeFailure) {
    super(message);
    this.name = "RpcError";
    this.rpcCode = rpcCode;
    this.data = data;
    this.bridgeFailure = bridgeFailure;
  }

  /** A bridge failure with 0.9.0's -32603 text. */
  static bridge(data: string, failure: BridgeFailure): RpcError {
    return new RpcError(-32603, "Internal error", data, failure);
  }

  static parse(data: string): RpcError {
    return new RpcError(-32700, "Parse error", data);
  }

  static invalidRequest(data: string): RpcError {
    return new RpcError(-32600, "Invalid Request", data);
  }

  static methodNotFound(method: string): RpcError {
    return new RpcError(-32601, "Method not found", method);
  }

  static invalidParams(data: string): RpcError {
    return new RpcError(-32602, "Invalid params", data);
  }

  static internal(data: string): RpcError {
    return new RpcError(-32603, "Internal error", data);
  }

  /**
   * A failure the caller caused (a bad ISO date, an invalid service): -32602 from 0.14.0 (`strictParams`), 0.9.0's
   * -32603 before.
   */
  static callerCaused(data: string, strict: boolean): RpcError {
    return strict ? RpcError.invalidParams(data) : RpcError.internal(data);
  }

  /** -32000 back-pressure: `outstanding request limit exceeded`, `subscription limit exceeded`, `server is shutting down`. */
  static serverBusy(data: string): RpcError {
    return new RpcError(-32000, "Server busy", data);
  }

  /** -32002: the database could not be opened; the client retries (docs/imsg-protocol.md, Lazy database). */
  static databaseUnavailable(path: string, detail: string): RpcError {
    return new RpcError(-32002, "Database unavailable", { path, detail, retryable: true });
  }

  /** -32003: a non-mutation bridge call without a running bridge. */
  static bridgeUnavailable(detail: string): RpcError {
    return new RpcError(-32003, "Bridge unavailable", { detail, retryable: true });
  }
}

/** Foundation's text for Swift errors that are not `LocalizedError` (e.g. `IMCoreBridgeError`). */
export const genericBridgeErrorText = "The operation couldn’t be completed. (IMsgCore.IMCoreBridgeError error 0.)";
