import { setTimeout as sleep } from "node:timers/promises";
import { linePreview, type Message, parseMessage, wireSchemas } from "@imessage-channel/rpc-client";
import type { ImsgCall } from "./action-call.ts";
import type { ImsgCallFunction } from "./action-executor.ts";
import { OutboundError } from "./outbound-error.ts";
import { classifySendFailure } from "./send-failure.ts";
import { type ChatIdentity, type SendTargetParams, sendParamsForChat } from "./send-target.ts";
import { findSentRow } from "./sent-row.ts";

/** How long a send waits for imsg to come back (child restart, SSH reconnect) before it fails. */
const defaultReconnectWaitMs = 60_000;

const reconnectPollMs = 100;
/** Rows of the chat read when a send's outcome is unknown: wide enough for a busy group that kept talking. */
const historyLookupLimit = 50;
/** Sends imsg provably did not run (not started, busy, a blocked lane) are tried this often in all. */
const maxAttemptsNotRun = 4;
/** A send imsg 0.14+ reported as maybe done is looked for this often, this far apart, before it is reported unconfirmed. */
const confirmLookups = 3;
const confirmLookupGapMs = 1000;

export interface MessageSenderOptions {
  /** One JSON-RPC request on the account's current imsg connection (the rpc-client's `request`). */
  call: ImsgCallFunction;
  /** Whether a connection is up now; a send waits (polling) until it is, up to `reconnectWaitMs`. */
  isConnected: () => boolean;
  /** See `defaultReconnectWaitMs`. */
  reconnectWaitMs?: number;
  now?: () => number;
}

/** What imsg answered for one send, or the row history proved it had already written. */
export interface SentMessage {
  rowid?: number;
  guid?: string;
  /** True when the message was found in the chat's history and not sent again. */
  found?: boolean;
  /** imsg's answer to the send, when it answered one (not when the row was found in history). */
  answer?: Record<string, unknown>;
}

/**
 * The sends of one reply (its chunks and files, in order) to one chat. A row matched for one of them, or answered
 * for it, is never taken for a later one, so two identical chunks never match one history row.
 */
export interface Delivery {
  /** The `send` target of the chat (`sendParamsForChat`): build calls with `planTextSends` / `fileSendCall`. */
  readonly target: SendTargetParams;
  /** Sends one `send` call once: waits out a reconnect, and looks an unknown outcome up before sending again. */
  send(call: ImsgCall): Promise<SentMessage>;
}

export interface DeliveryOptions {
  /** A reply recorded before a restart: any part may already have gone out since then, so look before sending. */
  maybeSentSince?: number;
}

export interface MessageSender {
  /** A delivery to a chat the gateway knows (its `send` target per `sendParamsForChat`). */
  delivery(chat: ChatIdentity, options?: DeliveryOptions): Delivery;
  /** A delivery to an explicit target (`resolveSendTarget`), as the CLI's `send` names one. */
  deliveryTo(target: SendTargetParams, options?: DeliveryOptions): Delivery;
}

function waitText(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function sendResultOf(result: unknown): SentMessage {
  const parsed = wireSchemas.wireSendResultSchema.safeParse(result);
  if (!parsed.success) {
    throw new OutboundError(
      "SEND_RESULT_INVALID",
      `imsg send answered an unexpected result: ${linePreview(JSON.stringify(result) ?? "undefined")}; check the imsg version`,
    );
  }
  return {
    ...(parsed.data.id === undefined ? {} : { rowid: parsed.data.id }),
    ...(parsed.data.guid ? { guid: parsed.data.guid } : {}),
    answer: result as Record<string, unknown>,
  };
}

/** What a `send` call carries, for the history lookup: its text or its file, never both (the bridge refuses that). */
function contentOf(call: ImsgCall): { text?: string; file?: string } {
  const { text, file } = call.params;
  if (typeof file === "string" && file !== "") return { file };
  return typeof text === "string" ? { text } : {};
}

/**
 * The one path that sends messages (`send`) on an account's imsg connection. A send waits out a reconnect
 * (bounded) instead of failing, and a send whose outcome is unknown (it timed out, or the connection died under it,
 * or the reply was recorded before a restart) is looked up in the chat's history (`findSentRow`) before it is tried
 * again, so neither a restart nor a slow acknowledgement loses or doubles a message. Files are looked up by their
 * name among the row's attachments (imsg stages a file under its own name, and a file send answers no guid).
 */
export function createMessageSender(options: MessageSenderOptions): MessageSender {
  const now = options.now ?? Date.now;
  const reconnectWaitMs = options.reconnectWaitMs ?? defaultReconnectWaitMs;

  async function connected(deadline: number): Promise<void> {
    while (!options.isConnected()) {
      if (now() >= deadline) {
        throw new OutboundError(
          "NOT_RECONNECTED",
          `imsg did not reconnect within ${waitText(reconnectWaitMs)}, so the reply could not be sent; see \`imessage-channel status\` for why`,
        );
      }
      await sleep(reconnectPollMs);
    }
  }

  async function history(chatId: number, withAttachments: boolean): Promise<Message[]> {
    const result = await options.call("messages.history", {
      chat_id: chatId,
      limit: historyLookupLimit,
      ...(withAttachments ? { attachments: true } : {}),
    });
    const parsed = wireSchemas.wireMessagesHistoryResultSchema.safeParse(result);
    if (!parsed.success) return [];
    return parsed.data.messages.flatMap((value) => {
      const message = parseMessage(value);
      return message.success ? [message.value] : [];
    });
  }

  function deliveryTo(target: SendTargetParams, deliveryOptions: DeliveryOptions = {}): Delivery {
    /** Rows known to be ours from this delivery: answered guids and rows matched in history. */
    const accounted = new Set<string>();
    /** Sends of this delivery imsg answered without a guid, by content: their rows are in history, unnamed. */
    const unnamed = new Map<string, number>();
    const keyOf = (content: { text?: string; file?: string }) =>
      content.file === undefined ? `text:${content.text}` : `file:${content.file.split(/[\\/]/).pop()}`;

    /** Our row for this send in the chat's history, if it is there; undefined when history cannot prove it. */
    async function lookUp(call: ImsgCall, since: number): Promise<SentMessage | undefined> {
      // Only a chat_id target has a history to read; other targets are sent again, as before this lookup existed.
      if (!("chat_id" in target)) return undefined;
      const content = contentOf(call);
      if (content.text === undefined && content.file === undefined) return undefined;
      const rows = await history(target.chat_id, content.file !== undefined);
      const matches: Message[] = [];
      const excludeGuids = new Set(accounted);
      for (;;) {
        const row = findSentRow(rows, { ...content, sentAtMs: since, excludeGuids });
        if (!row) break;
        matches.push(row);
        excludeGuids.add(row.guid);
      }
      // Earlier sends of this delivery answered without a guid own that many of the matches.
      const row = matches[unnamed.get(keyOf(content)) ?? 0];
      if (!row) return undefined;
      accounted.add(row.guid);
      return { rowid: row.id, guid: row.guid, found: true };
    }

    /**
     * imsg 0.14+ said the send may have gone out and must not be sent again: it is ours if history shows it (once
     * connected again: a send still in flight restarts the child); otherwise the reply is reported unconfirmed.
     */
    async function confirm(
      call: ImsgCall,
      since: number,
      deadline: number,
      failure: { disposition: string; detail?: string },
      cause: unknown,
    ): Promise<SentMessage> {
      for (let attempt = 1; attempt <= confirmLookups; attempt += 1) {
        await connected(deadline);
        const found = await lookUp(call, since).catch(() => undefined);
        if (found) return found;
        if (attempt < confirmLookups) await sleep(confirmLookupGapMs);
      }
      throw new OutboundError(
        "SEND_UNCONFIRMED",
        `imsg could not confirm this send went out (${failure.disposition}${failure.detail ? `: ${failure.detail}` : ""}) and it is not in the chat's history yet; it was not sent again, since imsg says a resend is not safe: check the chat on the Mac`,
        { cause },
      );
    }

    function remember(call: ImsgCall, sent: SentMessage): SentMessage {
      if (sent.guid) accounted.add(sent.guid);
      else {
        const key = keyOf(contentOf(call));
        unnamed.set(key, (unnamed.get(key) ?? 0) + 1);
      }
      return sent;
    }

    return {
      target,
      async send(call) {
        const startedAt = now();
        const deadline = startedAt + reconnectWaitMs;
        const since = deliveryOptions.maybeSentSince ?? startedAt;
        let outcomeUnknown = deliveryOptions.maybeSentSince !== undefined;
        let notRun = 0;
        for (;;) {
          await connected(deadline);
          if (outcomeUnknown) {
            // A failed lookup proves nothing: the message is sent (again), as it always was.
            const found = await lookUp(call, since).catch(() => undefined);
            if (found) return found;
          }
          try {
            return remember(call, sendResultOf(await options.call(call.method, call.params)));
          } catch (error) {
            const failure = classifySendFailure(error);
            if (failure.next === "fail") throw error;
            if (failure.next === "confirm") return confirm(call, since, deadline, failure, error);
            if (now() >= deadline) throw error;
            if (failure.next === "resend") {
              notRun += 1;
              if (notRun >= maxAttemptsNotRun) throw error;
              await sleep(failure.delayMs || reconnectPollMs);
              continue;
            }
            // It may have gone out and only the answer was lost: look for it before sending again.
            outcomeUnknown = true;
            if (!failure.timedOut) await sleep(reconnectPollMs);
          }
        }
      },
    };
  }

  return {
    delivery: (chat, deliveryOptions) => deliveryTo(sendParamsForChat(chat), deliveryOptions),
    deliveryTo,
  };
}
