import { requireBridge, requireBridgeChat } from "./bridge-call.ts";
import { RpcError } from "./rpc-error.ts";
import { type Params, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

/** The message-target slot (MT) of bridge actions: a message GUID under any of its aliases. */
export function messageGuidParam(params: Params): string {
  const guid = (stringParam(params, "message_id", "messageId", "message_guid", "messageGuid", "message") ?? "").trim();
  if (guid === "") throw RpcError.invalidParams("message_id or message_guid is required");
  return guid;
}

/** The reply-target slot (RT); an empty string counts as absent. */
export function replyToParam(params: Params): string | undefined {
  const value = stringParam(params, "reply_to", "replyTo", "reply_to_guid", "message_guid");
  return value === undefined || value === "" ? undefined : value;
}

/** Gate of a bridge action on a chat: the bridge must be up and know the chat; returns its ROWID. */
export function run(session: SimSession, action: string, chatGuid: string): number {
  requireBridge(session, action);
  return requireBridgeChat(session, chatGuid);
}
