/**
 * Who a chat-scoped call is for (docs/imsg-protocol.md#chat-targets): `chatId` wins over the others when several are
 * given.
 */
export interface ChatTarget {
  chatId?: number;
  chatIdentifier?: string;
  chatGuid?: string;
}

/** A bridge message action names its message by GUID (not rowid), docs/imsg-protocol.md#bridge-message-actions. */
export interface MessageTarget extends ChatTarget {
  messageGuid: string;
}

export interface ChatsListParams {
  limit?: number;
}

export interface MessagesHistoryParams {
  chatId: number;
  limit?: number;
  participants?: string[];
  /** ISO-8601, inclusive. */
  start?: string;
  /** ISO-8601, exclusive. */
  end?: string;
  attachments?: boolean;
  convertAttachments?: boolean;
}

/**
 * `messages.after` (0.14+, docs/imsg-protocol.md#messagesafter): ROWID ascending after an exclusive cursor. Only the
 * keys imsg lists for it exist here, because 0.14+ refuses any other with -32602.
 */
export interface MessagesAfterParams {
  /** Exclusive, ≥ 0: the `nextRowid` of the previous page (or the saved cursor). */
  sinceRowid: number;
  /** 1–500 messages per page (imsg's default 100). */
  limit?: number;
  /** One chat (> 0); absent reads every chat. */
  chatId?: number;
  /** Standalone tapback rows too; without it only user-visible messages are returned. */
  includeReactions?: boolean;
  attachments?: boolean;
  convertAttachments?: boolean;
}

/** The most `messages.after` returns per page; imsg refuses a larger `limit`. */
export const messagesAfterMaxLimit = 500;

/**
 * Checks what imsg 0.14+ would refuse with -32602 before anything is sent, so the caller gets one line naming the key
 * and the fix instead of a wire error.
 */
export function messagesAfterProblem(params: MessagesAfterParams): string | undefined {
  const { sinceRowid, limit, chatId } = params;
  if (!Number.isSafeInteger(sinceRowid) || sinceRowid < 0)
    return `messages.after sinceRowid: ${String(sinceRowid)} is not a non-negative integer; pass the previous page's nextRowid or 0`;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1 || limit > messagesAfterMaxLimit))
    return `messages.after limit: ${String(limit)} is not an integer from 1 to ${messagesAfterMaxLimit}; page with nextRowid instead`;
  if (chatId !== undefined && (!Number.isSafeInteger(chatId) || chatId < 1))
    return `messages.after chatId: ${String(chatId)} is not a positive integer; leave it out to read every chat`;
  return undefined;
}

export interface WatchSubscribeParams {
  chatId?: number;
  /**
   * Exclusive cursor. Absent or 0 tails from the newest row; negative replays every row (docs/imsg-protocol.md#cursor).
   */
  sinceRowid?: number;
  participants?: string[];
  start?: string;
  end?: string;
  attachments?: boolean;
  convertAttachments?: boolean;
  includeReactions?: boolean;
  debounceMs?: number;
  /** 0.14+ only (older builds ignore it): the stream's queue, 1–4096 (imsg's default 256); a full one overflows. */
  bufferLimit?: number;
}

export interface SendParams extends ChatTarget {
  to?: string;
  text?: string;
  file?: string;
  service?: "auto" | "imessage" | "sms";
  region?: string;
  transport?: "auto" | "bridge" | "applescript";
}

export interface TextFormattingRange {
  start: number;
  length: number;
  styles: Array<"bold" | "italic" | "underline" | "strikethrough">;
}

export interface SendRichParams extends ChatTarget {
  text?: string;
  effectId?: string;
  subject?: string;
  /** GUID of the message this one replies to. */
  replyTo?: string;
  textFormatting?: TextFormattingRange[];
  partIndex?: number;
  ddScan?: boolean;
}

export interface SendAttachmentParams extends ChatTarget {
  file: string;
  audio?: boolean;
  replyTo?: string;
}

export interface TapbackParams extends MessageTarget {
  /** love, like, dislike, laugh, emphasize, question, or their emoji/aliases (docs/imsg-protocol.md#tapback). */
  reaction: string;
  remove?: boolean;
  partIndex?: number;
}

export interface TypingParams extends ChatTarget {
  to?: string;
  typing?: boolean;
  service?: string;
}

export interface ReadParams extends ChatTarget {
  to?: string;
}

export interface MessageEditParams extends MessageTarget {
  text: string;
  backwardsCompatibilityMessage?: string;
  partIndex?: number;
}

export interface MessageUnsendParams extends MessageTarget {
  partIndex?: number;
}

export interface ChatsCreateParams {
  addresses: string[];
  service?: string;
  name?: string;
  text?: string;
}

export interface GroupRenameParams extends ChatTarget {
  name: string;
}

export interface GroupSetIconParams extends ChatTarget {
  /** Absent clears the group photo. */
  file?: string;
}

export interface GroupParticipantParams extends ChatTarget {
  address: string;
}

/**
 * camelCase params → imsg's snake_case keys (every param name in docs/imsg-protocol.md#methods is the snake_case of
 * ours), dropping undefined values so imsg applies its own defaults.
 */
export function toWireParams(params: object): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) wire[wireKey(key)] = value;
  }
  return wire;
}

/** Converted names, remembered: the regex replace cost more than the rest of a request's JSON work. */
const wireKeys = new Map<string, string>();
/** Param names are a small fixed set; a caller passing made-up keys must not grow the memo without bound. */
const maxWireKeys = 512;

function wireKey(key: string): string {
  const known = wireKeys.get(key);
  if (known !== undefined) return known;
  const wire = key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
  if (wireKeys.size < maxWireKeys) wireKeys.set(key, wire);
  return wire;
}

/** The 22 methods of imsg 0.9.0, in the order it advertises them (docs/imsg-protocol.md#methods). */
export const imsgRpcMethods = [
  "chats.list",
  "chats.create",
  "chats.delete",
  "chats.markUnread",
  "messages.history",
  "watch.subscribe",
  "watch.unsubscribe",
  "send",
  "send.rich",
  "send.attachment",
  "tapback",
  "typing",
  "read",
  "message.edit",
  "message.unsend",
  "message.delete",
  "message.notifyAnyways",
  "group.rename",
  "group.setIcon",
  "group.addParticipant",
  "group.removeParticipant",
  "group.leave",
] as const;

export type ImsgRpcMethod = (typeof imsgRpcMethods)[number];

const readMethods: ReadonlySet<string> = new Set([
  "initialize",
  "status",
  "chats.list",
  "chats.get",
  "messages.history",
  "messages.after",
  "messages.search",
  "message.send_status",
  "watch.subscribe",
  "watch.unsubscribe",
]);

/**
 * Reads only touch chat.db; everything else may run AppleScript or wait on the bridge
 * (docs/imsg-protocol.md#ordering-and-timeouts).
 */
export function isReadMethod(method: string): boolean {
  return readMethods.has(method);
}
