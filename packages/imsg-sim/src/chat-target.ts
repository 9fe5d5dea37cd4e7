import type { ChatStore } from "./chat-store.ts";
import { RpcError } from "./rpc-error.ts";
import { hasParam, intParam, type Params, stringParam } from "./rpc-params.ts";

/**
 * The chat named by `chat_id` / `chat_identifier` / `chat_guid` after the precedence of
 * docs/imsg-protocol.md#chat-targets.
 */
export interface ChatTarget {
  given: boolean;
  chatId?: number;
  identifier: string;
  guid: string;
}

/** Reads the chat_* params; `chat_id` (0 included) overrides the other two once it is looked up. */
export function readChatTarget(params: Params): ChatTarget {
  const chatId = intParam(params, "chat_id");
  const identifier = stringParam(params, "chat_identifier") ?? "";
  const guid = stringParam(params, "chat_guid") ?? "";
  return {
    given: chatId !== undefined || identifier !== "" || guid !== "",
    ...(chatId === undefined ? {} : { chatId }),
    identifier,
    guid,
  };
}

/** Replaces a `chat_id` target with the chat's guid and identifier; unknown ids fail like imsg. */
export function lookUpChatId(target: ChatTarget, store: ChatStore): ChatTarget {
  if (target.chatId === undefined) return target;
  if (!store.chatExists(target.chatId)) throw RpcError.invalidParams(`unknown chat_id ${target.chatId}`);
  const info = store.chatInfo(target.chatId);
  return { ...target, identifier: info.identifier, guid: info.guid };
}

/** The identifier candidates of a chat target: itself plus the opposite `any;±;` polarity and the bare rest. */
function identifierCandidates(identifier: string): string[] {
  const candidates = [identifier];
  for (const [prefix, opposite] of [
    ["any;+;", "any;-;"],
    ["any;-;", "any;+;"],
  ] as const) {
    if (identifier.startsWith(prefix)) {
      const rest = identifier.slice(prefix.length);
      candidates.push(opposite + rest, rest);
    }
  }
  return candidates;
}

/** Finds a chat whose identifier or guid is one of the candidates. */
export function findChatByIdentifier(
  store: ChatStore,
  identifier: string,
): { rowid: number; guid: string; identifier: string } | undefined {
  const candidates = identifierCandidates(identifier);
  const marks = candidates.map(() => "?").join(", ");
  const row = store.database
    .prepare(
      "SELECT ROWID AS rowid, IFNULL(guid, '') AS guid, IFNULL(chat_identifier, '') AS identifier FROM chat " +
        `WHERE chat_identifier IN (${marks}) OR guid IN (${marks}) LIMIT 1`,
    )
    .get(...candidates, ...candidates) as { rowid: number; guid: string; identifier: string } | undefined;
  return row ? { ...row, rowid: Number(row.rowid) } : undefined;
}

/**
 * Chat GUID for [BR] methods (docs/imsg-protocol.md#chat-targets): required target, caller guids unchecked, identifiers
 * looked up.
 */
export function resolveBridgeChatGuid(params: Params, store: ChatStore): string {
  if (!hasParam(params, "chat_id", "chat_identifier", "chat_guid")) {
    throw RpcError.invalidParams("chat_guid, chat_identifier, or chat_id is required");
  }
  const target = lookUpChatId(readChatTarget(params), store);
  if (target.guid !== "") return target.guid;
  if (target.identifier !== "") {
    const match = findChatByIdentifier(store, target.identifier);
    if (!match) return target.identifier;
    return match.guid || match.identifier || target.identifier;
  }
  throw RpcError.invalidParams("could not resolve chat GUID for chat target");
}

/** Existing direct chat for a `to`, trying imsg's identifier order for the service. */
export function findDirectChat(
  store: ChatStore,
  to: string,
  service: string,
): { rowid: number; guid: string; identifier: string } | undefined {
  const order: Record<string, string[]> = {
    sms: [`SMS;-;${to}`, to],
    imessage: [`iMessage;-;${to}`, `any;-;${to}`, to],
    auto: [`iMessage;-;${to}`, `any;-;${to}`, `SMS;-;${to}`, to],
  };
  for (const candidate of order[service] ?? order.auto!) {
    const row = store.database
      .prepare(
        "SELECT ROWID AS rowid, IFNULL(guid, '') AS guid, IFNULL(chat_identifier, '') AS identifier FROM chat " +
          "WHERE chat_identifier = ? OR guid = ? LIMIT 1",
      )
      .get(candidate, candidate) as { rowid: number; guid: string; identifier: string } | undefined;
    if (row) return { ...row, rowid: Number(row.rowid) };
  }
  return undefined;
}
