import { appleEpochUnixMilliseconds } from "./apple-time.ts";
import { BridgeEventSubscription, bridgeEventLogPath, isReadableEventLog } from "./bridge-events.ts";
import type { BridgeState } from "./bridge-state.ts";
import { reactionExclusion } from "./message-row.ts";
import { dateParam } from "./methods-read.ts";
import { withAfterResponse } from "./response-gate.ts";
import { RpcError } from "./rpc-error.ts";
import { boolParam, hasParam, intParam, type Params, stringArrayParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";
import { UrlBalloonDedupe } from "./url-balloon-dedupe.ts";
import { defaultBufferLimit, WatchOutbox } from "./watch-outbox.ts";
import { WatchSubscription } from "./watch-subscription.ts";

function debounceParam(params: Params): number {
  if (!hasParam(params, "debounce_ms", "debounceMs")) return 500;
  const value = Object.hasOwn(params, "debounce_ms") ? params.debounce_ms : params.debounceMs;
  const number = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number < 0) {
    throw RpcError.invalidParams("debounce_ms must be a non-negative integer");
  }
  return number;
}

/** `buffer_limit` (and, for watch, `bufferLimit`): 1…4096, default 256. */
function bufferLimitParam(params: Params, ...keys: string[]): number {
  if (!hasParam(params, ...keys)) return defaultBufferLimit;
  const value = intParam(params, ...keys);
  if (value === undefined || value < 1 || value > 4096) {
    throw RpcError.invalidParams("buffer_limit must be an integer between 1 and 4096");
  }
  return value;
}

/** 0.14+: at most 64 pending plus active subscriptions, watch and bridge events together. */
function admitSubscription(session: SimSession): void {
  const limit = session.settings.personality.subscriptionLimit;
  if (limit !== undefined && session.subscriptions.size >= limit) {
    throw new RpcError(-32000, "Server busy", "subscription limit exceeded");
  }
}

/**
 * `--fault-redeliver-last N`: a positive `since_rowid` resumes N rows earlier, so the last N rows the client already
 * had arrive again, as after a conservative resume (imsg keeps no delivery state; at-least-once comes from cursors).
 */
function redeliveryStart(
  session: SimSession,
  since: number | undefined,
  chatId: number | undefined,
  includeReactions: boolean,
): number | undefined {
  const count = session.settings.redeliverLast;
  if (!count || since === undefined || since <= 0) return since;
  const join =
    chatId === undefined ? "" : "JOIN chat_message_join cmj ON cmj.message_id = m.ROWID AND cmj.chat_id = ? ";
  // Count only rows this subscription streams: tapback rows only with include_reactions.
  const reactions = includeReactions ? "" : reactionExclusion(session.store.schema);
  const row = session.store.database
    .prepare(
      `SELECT m.ROWID AS rowid FROM message m ${join}WHERE m.ROWID <= ?${reactions} ORDER BY m.ROWID DESC LIMIT 1 OFFSET ?`,
    )
    .get(...(chatId === undefined ? [] : [chatId]), since, count - 1) as { rowid: number } | undefined;
  const start = row === undefined ? 0 : Number(row.rowid) - 1;
  // 0 would mean "the tail"; -1 replays from the beginning.
  return start > 0 ? start : -1;
}

export function watchSubscribe(params: Params, session: SimSession): Record<string, unknown> {
  const personality = session.settings.personality;
  const chatId = intParam(params, "chat_id");
  if (personality.strictParams && chatId !== undefined && chatId <= 0) {
    throw RpcError.invalidParams("chat_id must be a positive integer");
  }
  const includeReactions = boolParam(params, "include_reactions") ?? false;
  const sinceRowid = redeliveryStart(session, intParam(params, "since_rowid"), chatId, includeReactions);
  const participants = stringArrayParam(params, "participants") ?? [];
  const start = dateParam(params, "start", personality.strictParams);
  const end = dateParam(params, "end", personality.strictParams);
  const debounceMs = debounceParam(params);
  const bufferLimit = personality.watchCursor ? bufferLimitParam(params, "buffer_limit", "bufferLimit") : undefined;
  admitSubscription(session);
  const id = session.nextSubscriptionId();
  const outbox =
    bufferLimit === undefined
      ? undefined
      : new WatchOutbox(bufferLimit, session.output, session.settings.watchOverflowAfter);
  const subscription = new WatchSubscription(
    id,
    {
      participants,
      includeAttachments: boolParam(params, "attachments") ?? false,
      includeReactions,
      debounceMs,
      ...(chatId === undefined ? {} : { chatId }),
      ...(sinceRowid === undefined ? {} : { sinceRowid }),
      ...(start ? { startMs: start.getTime() - appleEpochUnixMilliseconds } : {}),
      ...(end ? { endMs: end.getTime() - appleEpochUnixMilliseconds } : {}),
    },
    {
      store: session.store,
      // 0.14.0 keeps URL-balloon repeats per subscription; before, one state for the whole process.
      dedupe: personality.urlDedupePerWatcher ? new UrlBalloonDedupe() : session.dedupe,
      dbPath: session.settings.dbPath,
      fileWatch: session.settings.fileWatch,
      pollIntervalMs: session.settings.pollIntervalMs,
      emitMessage: session.emitMessage,
      emitError: (subscriptionId, message) => {
        session.subscriptions.delete(subscriptionId);
        session.emitError(subscriptionId, message);
      },
      personality,
      ...(outbox === undefined ? {} : { outbox }),
      onEnded: () => session.subscriptions.delete(id),
    },
  );
  session.subscriptions.set(id, {
    stop: () => {
      subscription.stop();
      outbox?.cancel();
    },
  });
  if (personality.subscribeResponseFirst) {
    return withAfterResponse({ subscription: id, buffer_limit: bufferLimit }, () => subscription.start());
  }
  subscription.start(session.settings.notifyBeforeResponse ?? false);
  return { subscription: id };
}

export function watchUnsubscribe(params: Params, session: SimSession): Record<string, unknown> {
  const id = intParam(params, "subscription");
  if (id === undefined) throw RpcError.invalidParams("subscription is required");
  if (session.settings.personality.strictParams && id <= 0) {
    throw RpcError.invalidParams("subscription must be a positive integer");
  }
  session.subscriptions.get(id)?.stop();
  session.subscriptions.delete(id);
  return { ok: true };
}

/** `bridge.error` of a non-launching probe that found no ready v2 bridge (docs/imsg-protocol.md, initialize). */
function bridgeProblem(bridge: BridgeState): string | undefined {
  if (!bridge.launched) return "The bridge is not started. Run imsg launch explicitly before using bridge methods.";
  if (bridge.fallen) return "The existing bridge did not answer a non-launching status probe.";
  if (bridge.sip !== "disabled") return "The running bridge did not report a ready v2 inbox and chat registry.";
  return undefined;
}

/** `bridge.events.subscribe` (0.14.0): the helper's event log, tailed from its end; needs a v2 bridge and the log. */
export function bridgeEventsSubscribe(params: Params, session: SimSession): Record<string, unknown> {
  const bufferLimit = bufferLimitParam(params, "buffer_limit");
  const path = bridgeEventLogPath(session.settings.dbPath);
  const detail =
    bridgeProblem(session.bridge()) ??
    (isReadableEventLog(path) ? undefined : "The existing v2 bridge event log is not a readable regular file.");
  if (detail !== undefined) {
    throw new RpcError(-32003, "Bridge events unavailable", { detail, retryable: true });
  }
  admitSubscription(session);
  const id = session.nextSubscriptionId();
  const subscription = new BridgeEventSubscription(id, path, new WatchOutbox(bufferLimit, session.output), () =>
    session.subscriptions.delete(id),
  );
  session.subscriptions.set(id, subscription);
  return withAfterResponse({ subscription: id, buffer_limit: bufferLimit, resumable: false }, () =>
    subscription.start(),
  );
}
