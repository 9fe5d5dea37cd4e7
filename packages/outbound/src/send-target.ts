import { parseTarget, type Target } from "@imessage-channel/policy";
import { OutboundError } from "./outbound-error.ts";

/**
 * The target part of imsg `send`/`typing`/`read` params (docs/imsg-protocol.md#send, #chat-targets), in imsg's wire
 * names.
 */
export type SendTargetParams =
  | { chat_id: number }
  | { chat_guid: string }
  | { chat_identifier: string }
  | { to: string; service: "imessage" | "sms" | "auto" };

/** The target of a bridge method ([BR], docs/imsg-protocol.md#chat-targets): always a chat, never a bare `to`. */
export type ChatTargetParams = { chat_id: number } | { chat_guid: string } | { chat_identifier: string };

/** Every identity an inbound row carried for its chat (the gateway's `ChatAddress` fits). */
export interface ChatIdentity {
  chatId?: number;
  chatGuid?: string;
  chatIdentifier?: string;
  handle?: string;
}

/** A parsed target → `send` params: `chat_id:`, `chat_guid:`, `chat_identifier:` as they are; handles as `to` + service. */
export function sendParamsForTarget(target: Target): SendTargetParams {
  switch (target.kind) {
    case "chat-id":
      return { chat_id: target.chatId };
    case "chat-guid":
      return { chat_guid: target.chatGuid };
    case "chat-identifier":
      return { chat_identifier: target.chatIdentifier };
    case "handle":
      return { to: target.handle, service: target.service };
  }
}

/** A target string (`chat_id:123`, `imessage:+1555…`, a bare handle…) → `send` params; bad input throws PolicyError. */
export function resolveSendTarget(input: string | Target, options: { region?: string } = {}): SendTargetParams {
  return sendParamsForTarget(typeof input === "string" ? parseTarget(input, options) : input);
}

/**
 * Where a reply to an inbound row goes. `chat_id` is the stable target and wins whenever the row had one
 * (product contract); 0 is skipped because watch reports 0 for a row with no chat join, and imsg would
 * reject it as an unknown chat.
 */
export function sendParamsForChat(chat: ChatIdentity): SendTargetParams {
  if (chat.chatId !== undefined && Number.isInteger(chat.chatId) && chat.chatId > 0) return { chat_id: chat.chatId };
  if (chat.chatGuid) return { chat_guid: chat.chatGuid };
  if (chat.chatIdentifier) return { chat_identifier: chat.chatIdentifier };
  if (chat.handle) return { to: chat.handle, service: "auto" };
  throw new OutboundError(
    "TARGET_MISSING",
    `reply target ${JSON.stringify(chat)} has no chat id, guid, identifier or handle; reply to a row that came from a chat`,
  );
}

/**
 * Bridge methods resolve only chat targets. A DM's chat identifier is the peer's handle in chat.db,
 * so a handle target becomes `chat_identifier: <handle>`.
 */
export function chatParamsForBridge(target: SendTargetParams): ChatTargetParams {
  if ("to" in target) return { chat_identifier: target.to };
  return target;
}
