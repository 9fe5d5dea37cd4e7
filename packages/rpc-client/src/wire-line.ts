import type { JSONRPCResponse } from "json-rpc-2.0";
import { RpcClientError } from "./errors.ts";
import { exceededJsonLimit, type JsonLimitExceeded, type JsonLimits } from "./json-limits.ts";

/** One line from imsg's stdout, sorted by what the client does with it. */
export type WireLine =
  | { kind: "too-complex"; exceeded: JsonLimitExceeded }
  | { kind: "not-json" }
  | { kind: "not-object" }
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "response"; response: JSONRPCResponse }
  | { kind: "neither" };

/**
 * Sorts one line without throwing. A line over the nesting limits is never parsed (parsing one nested millions deep
 * grew RSS by ~500 MB, kept after GC). A response is shaped for json-rpc-2.0: an error wins over a result, and a
 * response with neither gets a `null` result.
 */
export function readWireLine(line: string, limits: JsonLimits): WireLine {
  const exceeded = exceededJsonLimit(line, limits);
  if (exceeded !== undefined) return { kind: "too-complex", exceeded };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { kind: "not-json" };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { kind: "not-object" };
  const object = value as Record<string, unknown>;
  if (typeof object.method === "string") return { kind: "notification", method: object.method, params: object.params };
  if (!("result" in object || "error" in object)) return { kind: "neither" };
  const hasError = object.error !== undefined && object.error !== null;
  // The usual answer is already in shape: handed over as parsed, not copied.
  const inShape = hasError ? !("result" in object) : object.result !== undefined && !("error" in object);
  if (inShape && object.jsonrpc === "2.0" && typeof object.id === "number") {
    return { kind: "response", response: object as unknown as JSONRPCResponse };
  }
  const id = (object.id ?? null) as JSONRPCResponse["id"];
  const response: JSONRPCResponse = hasError
    ? { jsonrpc: "2.0", id, error: object.error as NonNullable<JSONRPCResponse["error"]> }
    : { jsonrpc: "2.0", id, result: object.result ?? null };
  return { kind: "response", response };
}

/** The error logged (never thrown) for a line skipped unparsed: which limit, the line's size, and what to do. */
export function lineTooComplexError(line: string, exceeded: JsonLimitExceeded, limits: JsonLimits): RpcClientError {
  const [limit, fix] =
    exceeded.limit === "depth"
      ? [
          `nested deeper than ${limits.maxDepth} levels (maxJsonDepth)`,
          "imsg's objects nest under 10 deep, so check what writes to its stdout",
        ]
      : [
          `with more than ${limits.maxContainers} objects and arrays (maxJsonContainers)`,
          "raise maxJsonContainers if imsg really answers with this much",
        ];
  return new RpcClientError(
    "LINE_TOO_COMPLEX",
    `skipped a line from imsg ${limit} without parsing it (${line.length} chars, over the limit at char ${exceeded.index}): ${fix}; the stream continues`,
  );
}
