/** A JSON-RPC error as imsg puts it on the wire: numeric code, fixed message, string data (an object on some 0.14+ codes). */
export class RpcError extends Error {
  readonly rpcCode: number;
  readonly data: string | Record<string, unknown>;

  constructor(rpcCode: number, message: string, data: string | Record<string, unknown>) {
    super(message);
    this.name = "RpcError";
    this.rpcCode = rpcCode;
    this.data = data;
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
}

/** Foundation's text for Swift errors that are not `LocalizedError` (e.g. `IMCoreBridgeError`). */
export const genericBridgeErrorText = "The operation couldn’t be completed. (IMsgCore.IMCoreBridgeError error 0.)";
