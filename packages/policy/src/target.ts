import { defaultPhoneRegion, normalizeHandle } from "./handle.ts";
import { PolicyError } from "./policy-error.ts";

/** An outbound destination; the outbound package turns it into imsg `send` params. */
export type Target =
  | { kind: "chat-id"; chatId: number }
  | { kind: "chat-guid"; chatGuid: string }
  | { kind: "chat-identifier"; chatIdentifier: string }
  | { kind: "handle"; handle: string; service: "imessage" | "sms" | "auto" };

const usage = "use chat_id:<n>, chat_guid:<guid>, chat_identifier:<id>, imessage:<handle>, sms:<handle> or a handle";

function invalid(input: string, why: string): PolicyError {
  return new PolicyError("TARGET_INVALID", `target ${JSON.stringify(input)} ${why}; ${usage}`);
}

/** The rest after the first of `prefixes` the value starts with (any case), or undefined. */
function afterPrefix(value: string, prefixes: readonly string[]): string | undefined {
  const lowered = value.toLowerCase();
  const prefix = prefixes.find((candidate) => lowered.startsWith(candidate));
  return prefix === undefined ? undefined : value.slice(prefix.length).trim();
}

// The reference's aliases, any case; the longer forms first so `chat_id:` is not read as `chat:` + `_id:`.
const chatIdPrefixes = ["chat_id:", "chatid:", "chat:"] as const;
const chatGuidPrefixes = ["chat_guid:", "chatguid:", "guid:"] as const;
const chatIdentifierPrefixes = ["chat_identifier:", "chatidentifier:", "chatident:"] as const;
/** A bare group identifier as Messages shows it: 32 hex digits (a phone number has at most 15). */
const bareGroupIdentifier = /^[0-9a-f]{32}$/i;

/**
 * `chat_id:123` (also `chat:`/`chatid:`), `chat_guid:…` (also `chatguid:`/`guid:`), `chat_identifier:…` (also
 * `chatidentifier:`/`chatident:`), any case; a bare 32-hex group identifier; `imessage:+1…`, `sms:+1…`, `auto:…`,
 * a chat guid, or a bare handle.
 */
export function parseTarget(input: string, options: { region?: string } = {}): Target {
  const value = input.trim();
  const region = options.region ?? defaultPhoneRegion;
  if (!value) throw invalid(input, "is empty");

  const chatId = afterPrefix(value, chatIdPrefixes);
  if (chatId !== undefined) {
    if (!/^\d+$/.test(chatId)) throw invalid(input, "has a chat_id that is not a number");
    return { kind: "chat-id", chatId: Number(chatId) };
  }
  const chatGuid = afterPrefix(value, chatGuidPrefixes);
  if (chatGuid !== undefined) {
    if (!chatGuid) throw invalid(input, "has an empty chat_guid");
    return { kind: "chat-guid", chatGuid };
  }
  const chatIdentifier = afterPrefix(value, chatIdentifierPrefixes);
  if (chatIdentifier !== undefined) {
    if (!chatIdentifier) throw invalid(input, "has an empty chat_identifier");
    return { kind: "chat-identifier", chatIdentifier };
  }
  if (bareGroupIdentifier.test(value)) return { kind: "chat-identifier", chatIdentifier: value };
  // A group chat guid pasted as it is (`iMessage;+;chat123…`) names the chat itself.
  if (/^(imessage|sms|any|rcs);\+;./i.test(value)) return { kind: "chat-guid", chatGuid: value };

  const service = /^(imessage:|imessage;-;)/i.test(value) ? "imessage" : /^(sms:|sms;-;)/i.test(value) ? "sms" : "auto";
  const handle = normalizeHandle(value, region);
  if (!handle) throw invalid(input, "names no handle");
  // A phone number or email normalizes to one word; words with spaces are not anybody's address.
  if (/\s/.test(handle)) throw invalid(input, "is neither a handle (phone number or email) nor a chat");
  return { kind: "handle", handle, service };
}
