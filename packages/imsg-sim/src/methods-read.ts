import { appleNanosecondsFromDate, parseInternetDateTime } from "./apple-time.ts";
import { RpcError } from "./rpc-error.ts";
import { boolParam, intParam, type Params, stringArrayParam, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";
import { foldHistoryRows, withUrlPreview } from "./url-preview-messages.ts";

/** An ISO-8601 `start`/`end` param; a bad value fails the call with -32603, or -32602 under 0.14+'s strict params. */
export function dateParam(params: Params, key: string, strict = false): Date | undefined {
  const value = stringParam(params, key);
  if (value === undefined) return undefined;
  const date = parseInternetDateTime(value);
  const text = `Invalid ISO8601 date: ${value}`;
  if (!date) throw strict ? RpcError.invalidParams(text) : RpcError.internal(text);
  return date;
}

export function chatsList(params: Params, session: SimSession): Record<string, unknown> {
  const limit = Math.max(1, intParam(params, "limit") ?? 20);
  const unreadOnly =
    session.settings.personality.readState && (boolParam(params, "unread_only", "unreadOnly") ?? false);
  if (unreadOnly && !session.store.schema.readState) {
    throw RpcError.invalidParams("unread_only is unavailable because this Messages database has no read-state column");
  }
  return { chats: session.store.listChats(limit, unreadOnly) };
}

export function messagesHistory(params: Params, session: SimSession): Record<string, unknown> {
  const chatId = intParam(params, "chat_id");
  if (chatId === undefined) throw RpcError.invalidParams("chat_id is required");
  const limit = Math.max(1, intParam(params, "limit") ?? 50);
  const participants = stringArrayParam(params, "participants") ?? [];
  const start = dateParam(params, "start");
  const end = dateParam(params, "end");
  const includeAttachments = boolParam(params, "attachments") ?? false;
  const store = session.store;
  const rows = store.historyRows({
    chatId,
    limit,
    participants,
    includeAttachments,
    ...(start ? { startNanoseconds: appleNanosecondsFromDate(start) } : {}),
    ...(end ? { endNanoseconds: appleNanosecondsFromDate(end) } : {}),
  });
  const personality = session.settings.personality;
  // From 0.11.1 a URL-preview row folds into its text row (url-preview-messages.ts).
  return {
    messages: foldHistoryRows(rows, store, personality).map((logical) =>
      withUrlPreview(
        store.buildMessage(logical.row, { includeAttachments, includeReactions: true }),
        logical,
        store,
        personality,
      ),
    ),
  };
}
