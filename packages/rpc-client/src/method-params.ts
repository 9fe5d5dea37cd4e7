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
    if (value === undefined) continue;
    wire[key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)] = value;
  }
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
  "chats.list",
  "messages.history",
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
