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

function afterPrefix(value: string, prefix: string): string | undefined {
  return value.toLowerCase().startsWith(prefix) ? value.slice(prefix.length).trim() : undefined;
}

/** `chat_id:123`, `chat_guid:…`, `chat_identifier:…`, `imessage:+1…`, `sms:+1…`, `auto:…`, a chat guid, or a bare handle. */
export function parseTarget(input: string, options: { region?: string } = {}): Target {
  const value = input.trim();
  const region = options.region ?? defaultPhoneRegion;
  if (!value) throw invalid(input, "is empty");

  const chatId = afterPrefix(value, "chat_id:");
  if (chatId !== undefined) {
    if (!/^\d+$/.test(chatId)) throw invalid(input, "has a chat_id that is not a number");
    return { kind: "chat-id", chatId: Number(chatId) };
  }
  const chatGuid = afterPrefix(value, "chat_guid:");
  if (chatGuid !== undefined) {
    if (!chatGuid) throw invalid(input, "has an empty chat_guid");
    return { kind: "chat-guid", chatGuid };
  }
  const chatIdentifier = afterPrefix(value, "chat_identifier:");
  if (chatIdentifier !== undefined) {
    if (!chatIdentifier) throw invalid(input, "has an empty chat_identifier");
    return { kind: "chat-identifier", chatIdentifier };
  }
  // A group chat guid pasted as it is (`iMessage;+;chat123…`) names the chat itself.
  if (/^(imessage|sms|any|rcs);\+;./i.test(value)) return { kind: "chat-guid", chatGuid: value };

  const service = /^(imessage:|imessage;-;)/i.test(value) ? "imessage" : /^(sms:|sms;-;)/i.test(value) ? "sms" : "auto";
  const handle = normalizeHandle(value, region);
  if (!handle) throw invalid(input, "names no handle");
  return { kind: "handle", handle, service };
}
