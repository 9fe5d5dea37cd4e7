import type { Message } from "./imsg-objects.ts";

/** The camelCase results of the imsg methods that answer more than `ok` (docs/imsg-protocol.md#methods). */
export interface SendResult {
  ok: boolean;
  /** `bridge` or `applescript` (0.8.1+). */
  transport?: string;
  /** Rowid of the sent row when AppleScript verification found it. */
  id?: number;
  guid?: string;
}

export interface SendRichResult {
  ok: boolean;
  queued?: boolean;
  guid?: string;
}

export interface TapbackResult {
  ok: boolean;
  reaction?: string;
}

export interface ChatsCreateResult {
  ok: boolean;
  chatGuid?: string;
}

/** One `messages.after` page (0.14+, docs/imsg-protocol.md#messagesafter). */
export interface MessagesAfterResult {
  /** ROWID ascending; may be empty while `hasMore` is true (imsg consumed folded preview rows only). */
  messages: Message[];
  /**
   * Where imsg's scan stopped: the next page's `sinceRowid`, possibly past the last message's id. Persist it after
   * every page; never derive it from the messages.
   */
  nextRowid: number;
  hasMore: boolean;
}

/** Drops the keys whose value is undefined, so results carry only the fields imsg sent. */
export function withoutUndefined<T extends object>(value: T): T {
  for (const key of Object.keys(value) as Array<keyof T>) if (value[key] === undefined) delete value[key];
  return value;
}
