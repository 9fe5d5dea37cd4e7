import { normalizeHandle } from "@imessage-channel/policy";
import { OutboundError } from "./outbound-error.ts";
import { resolveSendTarget, type SendTargetParams } from "./send-target.ts";

/** What an agent passes with an action (Reply JSON `actions[]` entries), loosely typed: it comes from a model. */
export type ActionParams = Readonly<Record<string, unknown>>;

function invalid(action: string, message: string): OutboundError {
  return new OutboundError("ACTION_PARAMS_INVALID", `iMessage ${action}: ${message}`);
}

/** The first of `names` holding a non-empty string (or a number, for ids); trimmed. */
export function stringParam(params: ActionParams, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = params[name];
    if (typeof value === "number" && Number.isFinite(value)) return String(value);
    if (typeof value === "string" && value.trim()) return value.trim();
  }
  return undefined;
}

export function requiredString(action: string, params: ActionParams, names: readonly string[]): string {
  const value = stringParam(params, names);
  if (value === undefined)
    throw invalid(action, `${names[0]} is required (also read from ${names.slice(1).join(", ")})`);
  return value;
}

/** Text params keep their inner spacing (only presence is checked), unlike ids. */
export function requiredText(action: string, params: ActionParams, names: readonly string[]): string {
  for (const name of names) {
    const value = params[name];
    if (typeof value === "string" && value.trim()) return value;
  }
  throw invalid(action, `${names.join(" or ")} is required and must not be empty`);
}

export function booleanParam(params: ActionParams, names: readonly string[]): boolean {
  return names.some((name) => params[name] === true || params[name] === "true");
}

export const messageIdNames = ["messageId", "messageGuid", "message_id", "message_guid", "guid"] as const;
export const textNames = ["text", "message"] as const;

/**
 * An action may name its own chat (`chatId`, `chatGuid`, `chatIdentifier`, `to`, `target`); otherwise it acts
 * on the conversation it came from.
 */
export function actionTarget(
  action: string,
  params: ActionParams,
  current: SendTargetParams,
  region?: string,
): SendTargetParams {
  const chatId = params.chatId ?? params.chat_id;
  if (chatId !== undefined) {
    const id = typeof chatId === "string" ? Number(chatId.trim()) : chatId;
    if (typeof id !== "number" || !Number.isInteger(id) || id <= 0) {
      throw invalid(action, `chatId ${JSON.stringify(chatId)} is not a positive integer`);
    }
    return { chat_id: id };
  }
  const chatGuid = stringParam(params, ["chatGuid", "chat_guid"]);
  if (chatGuid) return { chat_guid: chatGuid };
  const chatIdentifier = stringParam(params, ["chatIdentifier", "chat_identifier"]);
  if (chatIdentifier) return { chat_identifier: chatIdentifier };
  const to = stringParam(params, ["to", "target"]);
  if (to) return resolveSendTarget(to, region === undefined ? {} : { region });
  return current;
}

export function participantAddress(action: string, params: ActionParams, region?: string): string {
  const address = normalizeHandle(requiredString(action, params, ["address", "participant", "handle"]), region);
  if (!address) throw invalid(action, "address is required (a phone number or email)");
  return address;
}
