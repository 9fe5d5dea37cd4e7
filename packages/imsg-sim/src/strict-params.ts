import type { ImsgPersonality } from "./personality.ts";
import { RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";
import { mutationMethodRules } from "./strict-params-mutations.ts";
import { StrictParams } from "./strict-params-reader.ts";
import { type MethodRules, readMethodRules } from "./strict-params-rules.ts";
import { checkStickerParams } from "./strict-params-sticker.ts";

/** Method aliases that share their canonical method's params and messages. */
const methodAliases: Record<string, string> = {
  "messages.poll.send": "poll.send",
  "messages.poll.vote": "poll.vote",
  "polls.unvote": "poll.unvote",
  "messages.poll.unvote": "poll.unvote",
};

const rulesByMethod = new Map<string, MethodRules>(
  [...readMethodRules, ...mutationMethodRules].map((rules) => [rules.canonical, rules]),
);

/** The methods that have strict-params rules (every method of 0.15.10, aliases included). */
export function strictParamsMethods(): string[] {
  return [...rulesByMethod.keys(), "send.sticker", ...Object.keys(methodAliases)];
}

/**
 * imsg 0.14+'s strict params (docs/imsg-protocol.md, Strict params): throws the -32602 `RpcError` the real server
 * answers for `params` of `method`, before the handler runs; returns when they are acceptable. Runs only under a
 * personality with `strictParams`; older ones coerce in the handlers (rpc-params.ts). `fractionalKeys` are the
 * params keys written as a fractional or exponent number literal (see `fractionalNumberKeys`).
 */
export function checkStrictParams(
  method: string,
  params: Params,
  fractionalKeys: ReadonlySet<string> = new Set(),
): void {
  if (method === "send.sticker") {
    checkStickerParams(params, fractionalKeys);
    return;
  }
  const rules = rulesByMethod.get(methodAliases[method] ?? method);
  if (!rules) return;
  rules.check(new StrictParams(rules.canonical, params, rules.slots, fractionalKeys));
}

/** Stands in for a number whose literal had a fraction or an exponent, while re-reading the raw line. */
class FractionalLiteral {}

/**
 * The keys of the request's `params` whose value was written as `1.0`, `1.5` or `1e3`. JSON.parse turns `1.0` into
 * `1`, but imsg's parser yields a double for it and refuses it as an integer, so the raw line is read once more.
 */
export function fractionalNumberKeys(line: string): ReadonlySet<string> {
  let request: unknown;
  try {
    request = JSON.parse(line, (_key, value: unknown, context?: { source?: string }) =>
      typeof value === "number" && /[.eE]/.test(context?.source ?? "") ? new FractionalLiteral() : value,
    );
  } catch {
    return new Set();
  }
  const params = (request as { params?: unknown } | null)?.params;
  if (typeof params !== "object" || params === null) return new Set();
  return new Set(Object.entries(params).flatMap(([key, value]) => (value instanceof FractionalLiteral ? [key] : [])));
}

/**
 * 0.13's lenient parser still refuses non-object params for `messages.stats` and `messages.scheduled`
 * (docs/imsg-protocol.md, Strict params); every other method treats them as `{}`.
 */
export function checkParamsShape(method: string, rawParams: unknown, personality: ImsgPersonality): void {
  if (rawParams === undefined || !personality.objectParamsMethods.includes(method)) return;
  if (typeof rawParams !== "object" || rawParams === null || Array.isArray(rawParams)) {
    throw RpcError.invalidParams(`${method} params must be an object`);
  }
}
