/** Request params after docs/imsg-protocol.md#request-parsing rule 7: anything that is not an object counts as `{}`. */
export type Params = Record<string, unknown>;

function firstPresent(params: Params, keys: readonly string[]): unknown {
  for (const key of keys) {
    if (Object.hasOwn(params, key)) return params[key];
  }
  return undefined;
}

/** True when any of the keys is present, whatever its value. */
export function hasParam(params: Params, ...keys: string[]): boolean {
  return keys.some((key) => Object.hasOwn(params, key));
}

function stringFrom(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * String param (docs/imsg-protocol.md#param-coercion): strings as-is, numbers as decimal strings, booleans as "1"/"0";
 * first present alias wins.
 */
export function stringParam(params: Params, ...keys: string[]): string | undefined {
  return stringFrom(firstPresent(params, keys));
}

/** String param where the first alias holding a *usable* string wins (send.rich `text`/`message`). */
export function firstUsableStringParam(params: Params, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = stringFrom(params[key]);
    if (value !== undefined) return value;
  }
  return undefined;
}

function integerFrom(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && /^[+-]?\d+$/.test(value)) return Number.parseInt(value, 10);
  return undefined;
}

/** Int param (docs/imsg-protocol.md#param-coercion): numbers truncated toward zero, or a string of decimal digits. */
export function intParam(params: Params, ...keys: string[]): number | undefined {
  return integerFrom(firstPresent(params, keys));
}

/**
 * Bool param (docs/imsg-protocol.md#param-coercion): booleans, numbers (0 is false) or exactly "true"/"false"; anything
 * else is absent.
 */
export function boolParam(params: Params, ...keys: string[]): boolean | undefined {
  const value = firstPresent(params, keys);
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (value === "true") return true;
  if (value === "false") return false;
  return undefined;
}

/**
 * String-array param (docs/imsg-protocol.md#param-coercion): an array (unconvertible entries dropped) or a
 * comma-separated string.
 */
export function stringArrayParam(params: Params, ...keys: string[]): string[] | undefined {
  const value = firstPresent(params, keys);
  if (Array.isArray(value)) {
    return value.map(stringFrom).filter((entry): entry is string => entry !== undefined);
  }
  if (typeof value === "string") {
    return value
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "");
  }
  return undefined;
}
