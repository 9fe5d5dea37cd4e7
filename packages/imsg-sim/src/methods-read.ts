import { appleEpochUnixMilliseconds, appleNanosecondsFromDate, parseInternetDateTime } from "./apple-time.ts";
import { RpcError } from "./rpc-error.ts";
import { boolParam, hasParam, intParam, type Params, stringArrayParam, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";
import { WatchSubscription } from "./watch-subscription.ts";

function dateParam(params: Params, key: string): Date | undefined {
  const value = stringParam(params, key);
  if (value === undefined) return undefined;
  const date = parseInternetDateTime(value);
  if (!date) throw RpcError.internal(`Invalid ISO8601 date: ${value}`);
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
  return { messages: rows.map((row) => store.buildMessage(row, { includeAttachments, includeReactions: true })) };
}

function debounceParam(params: Params): number {
  if (!hasParam(params, "debounce_ms", "debounceMs")) return 500;
  const value = Object.hasOwn(params, "debounce_ms") ? params.debounce_ms : params.debounceMs;
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 0) {
    throw RpcError.invalidParams("debounce_ms must be a non-negative integer");
  }
  return number;
}

export function watchSubscribe(params: Params, session: SimSession): Record<string, unknown> {
  const chatId = intParam(params, "chat_id");
  const sinceRowid = intParam(params, "since_rowid");
  const participants = stringArrayParam(params, "participants") ?? [];
  const start = dateParam(params, "start");
  const end = dateParam(params, "end");
  const debounceMs = debounceParam(params);
  const id = session.nextSubscriptionId();
  const subscription = new WatchSubscription(
    id,
    {
      participants,
      includeAttachments: boolParam(params, "attachments") ?? false,
      includeReactions: boolParam(params, "include_reactions") ?? false,
      debounceMs,
      ...(chatId === undefined ? {} : { chatId }),
      ...(sinceRowid === undefined ? {} : { sinceRowid }),
      ...(start ? { startMs: start.getTime() - appleEpochUnixMilliseconds } : {}),
      ...(end ? { endMs: end.getTime() - appleEpochUnixMilliseconds } : {}),
    },
    {
      store: session.store,
      dedupe: session.dedupe,
      dbPath: session.settings.dbPath,
      fileWatch: session.settings.fileWatch,
      pollIntervalMs: session.settings.pollIntervalMs,
      emitMessage: session.emitMessage,
      emitError: (subscriptionId, message) => {
        session.subscriptions.delete(subscriptionId);
        session.emitError(subscriptionId, message);
      },
    },
  );
  session.subscriptions.set(id, subscription);
  subscription.start(session.settings.notifyBeforeResponse ?? false);
  return { subscription: id };
}

export function watchUnsubscribe(params: Params, session: SimSession): Record<string, unknown> {
  const id = intParam(params, "subscription");
  if (id === undefined) throw RpcError.invalidParams("subscription is required");
  session.subscriptions.get(id)?.stop();
  session.subscriptions.delete(id);
  return { ok: true };
}
