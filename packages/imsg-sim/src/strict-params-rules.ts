import { parseInternetDateTime } from "./apple-time.ts";
import { invalidParams, type Slot, type StrictParams } from "./strict-params-reader.ts";

/** What one method accepts under strict params: its canonical name (used in messages), its slots, its checks. */
export interface MethodRules {
  canonical: string;
  slots: readonly Slot[];
  /** Getter calls and value checks in the handler's order; throws the first -32602. */
  check: (params: StrictParams) => void;
}

/** The chat selector slots (CT in docs/imsg-protocol.md, Strict params). */
export const chatSlots: readonly Slot[] = [["chat_id"], ["chat_identifier"], ["chat_guid"]];
/** Reply target (RT). */
export const replySlot: Slot = ["reply_to", "replyTo", "reply_to_guid", "message_guid"];
/** Message target (MT): a message GUID. */
export const messageSlot: Slot = ["message_id", "messageId", "message_guid", "messageGuid", "message"];
/** Part index (PI). */
export const partSlot: Slot = ["part_index", "partIndex"];

/** A positive int64 `chat_id` when given (watch, messages.after, messages.stats). */
export function optionalChatId(params: StrictParams): void {
  const chatId = params.integer(["chat_id"]);
  if (chatId && chatId.value <= 0) throw invalidParams("chat_id must be a positive integer");
}

/** A required positive `chat_id` (messages.history, chats.get). */
export function requiredChatId(params: StrictParams): void {
  if (!params.has(["chat_id"])) throw invalidParams("chat_id is required");
  optionalChatId(params);
}

/** An int within `[minimum, maximum]` when given, else `message`. */
export function intInRange(params: StrictParams, slot: Slot, minimum: number, maximum: number, message: string): void {
  const value = params.integer(slot);
  if (value && (value.value < minimum || value.value > maximum)) throw invalidParams(message);
}

/** `limit` ≥ 1 (0.9.0 clamped to 1). */
export function positiveLimit(params: StrictParams): void {
  intInRange(params, ["limit"], 1, Number.MAX_SAFE_INTEGER, "limit must be a positive integer");
}

/** `start`/`end`: ISO-8601 date-times with a zone; a bad one is now -32602 (was -32603). */
export function isoDates(params: StrictParams): void {
  for (const key of ["start", "end"]) {
    const value = params.string([key]);
    if (value && !parseInternetDateTime(value.value)) throw invalidParams(`Invalid ISO8601 date: ${value.value}`);
  }
}

/** Type-checks booleans and strings that have no further rule. */
export function booleans(params: StrictParams, ...slots: Slot[]): void {
  for (const slot of slots) params.boolean(slot);
}

export function strings(params: StrictParams, ...slots: Slot[]): void {
  for (const slot of slots) params.string(slot);
}

/** A required string that must not be empty after trimming, with the method's own message. */
export function requiredText(params: StrictParams, slot: Slot, message: string): string {
  const value = params.string(slot);
  if (!value || value.value.trim() === "") throw invalidParams(message);
  return value.value;
}

const readSlots = {
  history: [["chat_id"], ["limit"], ["participants"], ["start"], ["end"], ["attachments"], ["convert_attachments"]],
  watch: [
    ["chat_id"],
    ["since_rowid"],
    ["participants"],
    ["start"],
    ["end"],
    ["attachments"],
    ["convert_attachments"],
    ["include_reactions"],
    ["debounce_ms", "debounceMs"],
    ["buffer_limit", "bufferLimit"],
  ],
} satisfies Record<string, Slot[]>;

/** The read and control lanes' methods (docs/imsg-protocol.md, Strict params). */
export const readMethodRules: readonly MethodRules[] = [
  {
    canonical: "initialize",
    slots: [["protocol_version"]],
    check: (params) => {
      const version = params.integer(["protocol_version"]);
      if (version && version.value !== 1) {
        throw invalidParams(`unsupported protocol_version ${version.value}; supported version is 1`);
      }
    },
  },
  { canonical: "status", slots: [], check: () => {} },
  {
    canonical: "watch.unsubscribe",
    slots: [["subscription"]],
    check: (params) => {
      const subscription = params.integer(["subscription"]);
      if (!subscription) throw invalidParams("subscription is required");
      if (subscription.value <= 0) throw invalidParams("subscription must be a positive integer");
    },
  },
  {
    canonical: "chats.list",
    slots: [["limit"], ["unread_only", "unreadOnly"]],
    check: (params) => {
      positiveLimit(params);
      params.boolean(["unread_only", "unreadOnly"]);
    },
  },
  { canonical: "chats.get", slots: [["chat_id"]], check: requiredChatId },
  {
    canonical: "messages.stats",
    slots: [["chat_id"], ["time_zone"], ["include_media"]],
    check: (params) => {
      optionalChatId(params);
      params.string(["time_zone"]);
      params.boolean(["include_media"]);
    },
  },
  {
    canonical: "messages.history",
    slots: readSlots.history,
    check: (params) => {
      requiredChatId(params);
      positiveLimit(params);
      params.stringArray(["participants"]);
      isoDates(params);
      booleans(params, ["attachments"], ["convert_attachments"]);
    },
  },
  {
    canonical: "messages.search",
    slots: [["query"], ["match"], ["limit"]],
    check: (params) => {
      requiredText(params, ["query"], "query must be a non-empty string");
      const match = params.string(["match"]);
      if (match && match.value !== "contains" && match.value !== "exact") {
        throw invalidParams("match must be contains or exact");
      }
      intInRange(params, ["limit"], 1, 100, "limit must be between 1 and 100");
    },
  },
  {
    canonical: "messages.after",
    slots: [["since_rowid"], ["chat_id"], ["limit"], ["attachments"], ["convert_attachments"], ["include_reactions"]],
    check: (params) => {
      const since = params.integer(["since_rowid"]);
      if (!since || since.value < 0) throw invalidParams("since_rowid must be a non-negative integer");
      optionalChatId(params);
      intInRange(params, ["limit"], 1, 500, "limit must be an integer between 1 and 500");
      booleans(params, ["attachments"], ["convert_attachments"], ["include_reactions"]);
    },
  },
  { canonical: "messages.scheduled", slots: [["limit"]], check: positiveLimit },
  {
    canonical: "watch.subscribe",
    slots: readSlots.watch,
    check: (params) => {
      optionalChatId(params);
      params.integer(["since_rowid"]);
      params.stringArray(["participants"]);
      isoDates(params);
      booleans(params, ["attachments"], ["convert_attachments"], ["include_reactions"]);
      const debounce = ["debounce_ms", "debounceMs"] as const;
      intInRange(params, debounce, 0, Number.MAX_SAFE_INTEGER, "debounce_ms must be a non-negative integer");
      bufferLimit(params, ["buffer_limit", "bufferLimit"]);
    },
  },
  {
    canonical: "bridge.events.subscribe",
    slots: [["buffer_limit"]],
    check: (params) => bufferLimit(params, ["buffer_limit"]),
  },
  {
    canonical: "message.send_status",
    slots: [["guid"]],
    check: (params) => {
      requiredText(params, ["guid"], "guid is required");
    },
  },
  {
    canonical: "handles.check",
    slots: [["address"], ["alias_type"], ["service"]],
    check: (params) => {
      requiredText(params, ["address"], "address is required");
      const aliasType = params.string(["alias_type"]);
      if (aliasType && !["phone", "email"].includes(aliasType.value.toLowerCase())) {
        throw invalidParams("alias_type must be phone or email");
      }
      const service = params.string(["service"]);
      if (service && service.value.toLowerCase() !== "imessage") {
        throw invalidParams("handles.check only supports service iMessage");
      }
    },
  },
];

function bufferLimit(params: StrictParams, slot: Slot): void {
  intInRange(params, slot, 1, 4096, "buffer_limit must be an integer between 1 and 4096");
}
