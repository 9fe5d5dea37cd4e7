import { chatRoutingColumns } from "./chat-fields.ts";
import { positiveChatIdParam } from "./method-params.ts";
import { RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

/** The text of imsg's `chatNotFound` error, which `chats.get` answers as -32602 (its wording is the sim's choice). */
export function chatNotFoundText(chatId: number): string {
  return `Chat not found: ${chatId}`;
}

/**
 * `chats.get` (docs/imsg-protocol.md, New methods): one chat as `imsg group --json` prints it. The key list is the sim's
 * reading of that payload: identity, names, service, participants, group flag and the routing diagnostics.
 */
export function chatsGet(params: Params, session: SimSession): Record<string, unknown> {
  const chatId = positiveChatIdParam(params, true) as number;
  const store = session.store;
  if (!store.chatExists(chatId)) throw RpcError.invalidParams(chatNotFoundText(chatId));
  const info = store.chatInfo(chatId);
  const routing = chatRoutingColumns(store.database, store.schema, chatId);
  return {
    id: chatId,
    identifier: info.identifier,
    guid: info.guid,
    name: info.name,
    display_name: routing.display_name,
    service: info.service,
    participants: info.participants,
    is_group: info.isGroup,
    account_id: routing.account_id,
    account_login: routing.account_login,
    last_addressed_handle: routing.last_addressed_handle,
  };
}
