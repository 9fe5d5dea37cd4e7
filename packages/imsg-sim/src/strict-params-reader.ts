import { RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";

/** One param slot: the canonical key first, then its aliases in declared order. */
export type Slot = readonly [string, ...string[]];

/** A slot's value and the spelling the caller used for it. */
export interface Present<T> {
  name: string;
  value: T;
}

/** The chat selector keys of docs/imsg-protocol.md, Strict params (exactly one of them names a chat). */
export const chatSelectorKeys = ["chat_id", "chat_identifier", "chat_guid"] as const;
export const chatSelectorText = "exactly one of chat_id, chat_identifier, or chat_guid is required";

function invalid(data: string): RpcError {
  return RpcError.invalidParams(data);
}

/**
 * imsg 0.14's `RPCParameters` (docs/imsg-protocol.md, Strict params): every key outside the method's slots is
 * refused up front (alphabetically first), a slot given under two spellings is refused, `null` is refused, and the
 * typed getters refuse anything that is not already of their type. `fractionalKeys` names the params written as a
 * number with a fraction or exponent (`1.0`, `1e3`): JSON.parse cannot tell those from integers.
 */
export class StrictParams {
  readonly method: string;
  readonly #params: Params;
  readonly #fractionalKeys: ReadonlySet<string>;

  constructor(method: string, params: Params, slots: readonly Slot[], fractionalKeys: ReadonlySet<string>) {
    this.method = method;
    this.#params = params;
    this.#fractionalKeys = fractionalKeys;
    const known = new Set(slots.flat());
    const unknown = Object.keys(params)
      .filter((key) => !known.has(key))
      .sort();
    if (unknown[0] !== undefined) throw invalid(`unknown ${method} param: ${unknown[0]}`);
  }

  /** True when any spelling of the slot is a key of params, whatever its value (null included). */
  has(slot: Slot): boolean {
    return slot.some((key) => Object.hasOwn(this.#params, key));
  }

  /** The slot's present spelling and raw value; refuses two spellings and `null`. */
  raw(slot: Slot): Present<unknown> | undefined {
    const given = slot.filter((key) => Object.hasOwn(this.#params, key));
    if (given.length > 1) throw invalid(`use only one of ${slot.join(", ")}`);
    const name = given[0];
    if (name === undefined) return undefined;
    const value = this.#params[name];
    if (value === null) throw invalid(`${name} must not be null`);
    return { name, value };
  }

  string(slot: Slot): Present<string> | undefined {
    const present = this.raw(slot);
    if (present && typeof present.value !== "string") throw invalid(`${present.name} must be a string`);
    return present as Present<string> | undefined;
  }

  /** An integer literal: a JSON number without fraction or exponent (booleans and `"42"` refused). */
  integer(slot: Slot): Present<number> | undefined {
    const present = this.raw(slot);
    if (!present) return undefined;
    const { name, value } = present;
    if (typeof value !== "number" || !Number.isInteger(value) || this.#fractionalKeys.has(name)) {
      throw invalid(`${name} must be an integer`);
    }
    return { name, value };
  }

  boolean(slot: Slot): Present<boolean> | undefined {
    const present = this.raw(slot);
    if (present && typeof present.value !== "boolean") throw invalid(`${present.name} must be a boolean`);
    return present as Present<boolean> | undefined;
  }

  /** A real array of strings: comma-separated strings and mixed arrays are refused. */
  stringArray(slot: Slot): Present<string[]> | undefined {
    const present = this.raw(slot);
    if (!present) return undefined;
    const { name, value } = present;
    if (!Array.isArray(value) || !value.every((entry) => typeof entry === "string")) {
      throw invalid(`${name} must be an array of strings`);
    }
    return { name, value };
  }

  objectArray(slot: Slot): Present<Record<string, unknown>[]> | undefined {
    const present = this.raw(slot);
    if (!present) return undefined;
    const { name, value } = present;
    const isObject = (entry: unknown) => typeof entry === "object" && entry !== null && !Array.isArray(entry);
    if (!Array.isArray(value) || !value.every(isObject)) throw invalid(`${name} must be an array of objects`);
    return { name, value: value as Record<string, unknown>[] };
  }

  /** `chatTarget()`: exactly one selector, then a positive `chat_id` or a non-empty identifier/GUID. */
  chatTarget(): void {
    const given = chatSelectorKeys.filter((key) => Object.hasOwn(this.#params, key));
    if (given.length !== 1) throw invalid(chatSelectorText);
    const chatId = this.integer(["chat_id"]);
    if (chatId && chatId.value <= 0) throw invalid("chat_id must be a positive integer");
    for (const key of ["chat_identifier", "chat_guid"] as const) {
      const value = this.string([key]);
      if (value && value.value === "") throw invalid(`${key} must be a non-empty string`);
    }
  }

  /** `recipientOrChatTarget()` (send, send.tracked, typing, read): `to` or one selector, never both or neither. */
  recipientOrChatTarget(): void {
    const hasSelector = chatSelectorKeys.some((key) => Object.hasOwn(this.#params, key));
    if (this.has(["to"])) {
      if (hasSelector) throw invalid("use to or exactly one chat selector; not both");
      const to = this.string(["to"]);
      if (to?.value === "") throw invalid("to must be a non-empty string");
      return;
    }
    this.chatTarget();
  }
}

/** Thrown for a -32602 answer with `data`. */
export function invalidParams(data: string): RpcError {
  return invalid(data);
}
