import { RpcError } from "./rpc-error.ts";
import { hasParam, intParam, type Params, stringParam } from "./rpc-params.ts";

/** Readers for the range rules of the 0.10+ methods (docs/imsg-protocol.md, New methods); -32602 with imsg's text. */

/** An optional int param within `[min, max]`, else `fallback`; anything else fails with `message`. */
export function boundedIntParam(
  params: Params,
  key: string,
  fallback: number,
  range: { min: number; max?: number; message: string },
): number {
  if (!hasParam(params, key)) return fallback;
  const value = intParam(params, key);
  if (value === undefined || value < range.min || (range.max !== undefined && value > range.max)) {
    throw RpcError.invalidParams(range.message);
  }
  return value;
}

/** `chat_id` that must be a positive integer when given (required with `required`). */
export function positiveChatIdParam(params: Params, required: boolean): number | undefined {
  if (!hasParam(params, "chat_id")) {
    if (required) throw RpcError.invalidParams("chat_id is required");
    return undefined;
  }
  const value = intParam(params, "chat_id");
  if (value === undefined || value <= 0) throw RpcError.invalidParams("chat_id must be a positive integer");
  return value;
}

/** A required string param, trimmed; empty or missing fails with `message`. */
export function requiredStringParam(params: Params, message: string, ...keys: string[]): string {
  const value = (stringParam(params, ...keys) ?? "").trim();
  if (value === "") throw RpcError.invalidParams(message);
  return value;
}
