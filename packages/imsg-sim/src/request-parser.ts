import { RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";
import { fractionalNumberKeys } from "./strict-params.ts";

/** Foundation's JSONSerialization text for a line that is not JSON. */
export const parseErrorText = "The data couldn’t be read because it isn’t in the correct format.";

/** A line that failed framing checks: always answered, with `id` as imsg can know it (null when it cannot). */
export interface InvalidLine {
  kind: "invalid";
  id: unknown;
  error: RpcError;
}

/** A request that passed framing; `paramsError` is 0.14's step 7, answered only when the request has an id. */
export interface ParsedRequest {
  kind: "request";
  hasId: boolean;
  id: unknown;
  method: string;
  params: Params;
  paramsError?: RpcError;
  /** Strict parse only: params keys written as non-integer literals (`1.0`), which JSON.parse cannot tell from `1`. */
  fractionalKeys?: ReadonlySet<string>;
  /** Lenient parse only: `params` was present but not an object (and became `{}`), which 0.13 refuses for some methods. */
  nonObjectParams?: boolean;
}

export type ParsedLine = InvalidLine | ParsedRequest;

function invalid(id: unknown, error: RpcError): InvalidLine {
  return { kind: "invalid", id: id ?? null, error };
}

function decode(line: string): { value: unknown } | InvalidLine {
  try {
    return { value: JSON.parse(line) };
  } catch {
    return invalid(null, RpcError.parse(parseErrorText));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * 0.9.0–0.13's parser (docs/imsg-protocol.md, Request parsing): any `id` is echoed, a missing or non-string `jsonrpc`
 * passes, and `params` that is not an object counts as `{}`.
 */
export function parseLenient(line: string): ParsedLine {
  const decoded = decode(line);
  if ("kind" in decoded) return decoded;
  const request = decoded.value;
  if (!isObject(request)) return invalid(null, RpcError.invalidRequest("request must be an object"));
  const id = request.id;
  if (typeof request.jsonrpc === "string" && request.jsonrpc !== "2.0") {
    return invalid(id, RpcError.invalidRequest("jsonrpc must be 2.0"));
  }
  const method = request.method;
  if (typeof method !== "string" || method === "") return invalid(id, RpcError.invalidRequest("method is required"));
  const hasId = Object.hasOwn(request, "id");
  if (isObject(request.params)) return { kind: "request", hasId, id, method, params: request.params as Params };
  const nonObjectParams = Object.hasOwn(request, "params");
  return { kind: "request", hasId, id, method, params: {}, ...(nonObjectParams ? { nonObjectParams } : {}) };
}

function isValidId(id: unknown): boolean {
  return id === null || typeof id === "string" || typeof id === "number";
}

/**
 * 0.14+'s parser, steps 2–7 in order with their exact data strings (docs/imsg-protocol.md, Strict framing); step 1
 * (bad UTF-8) cannot happen because the line reader substitutes U+FFFD, and step 8 is the dispatcher's.
 */
export function parseStrict(line: string): ParsedLine {
  const decoded = decode(line);
  if ("kind" in decoded) return decoded;
  const request = decoded.value;
  if (!isObject(request)) return invalid(null, RpcError.invalidRequest("request must be an object"));
  const hasId = Object.hasOwn(request, "id");
  if (hasId && !isValidId(request.id)) {
    return invalid(null, RpcError.invalidRequest("id must be a string, number, or null"));
  }
  const id = hasId ? request.id : null;
  if (request.jsonrpc !== "2.0") return invalid(id, RpcError.invalidRequest("jsonrpc must be exactly 2.0"));
  const method = request.method;
  if (typeof method !== "string" || method === "") return invalid(id, RpcError.invalidRequest("method is required"));
  const parsed: ParsedRequest = { kind: "request", hasId, id, method, params: {} };
  if (!Object.hasOwn(request, "params")) return parsed;
  if (!isObject(request.params)) {
    return { ...parsed, paramsError: RpcError.invalidParams("params must be an object when present") };
  }
  return { ...parsed, params: request.params as Params, fractionalKeys: fractionalNumberKeys(line) };
}
