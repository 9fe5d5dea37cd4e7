import { setTimeout as sleep } from "node:timers/promises";
import {
  ImsgRpcError,
  linePreview,
  type Message,
  parseMessage,
  RpcClientError,
  wireSchemas,
} from "@imessage-channel/rpc-client";
import type { ImsgCall } from "./action-call.ts";
import type { ImsgCallFunction } from "./action-executor.ts";
import { OutboundError } from "./outbound-error.ts";
import { classifySendFailure, type SendFailure } from "./send-failure.ts";
import { type ChatIdentity, type SendTargetParams, sendParamsForChat } from "./send-target.ts";
import { findSentRow } from "./sent-row.ts";
import { isTrackableSend, trackedSendGuid } from "./tracked-send.ts";

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
/** A tracked send whose answer was lost is looked up by its guid after these gaps (≈ 7 s in all) before it is unknown. */
const defaultSettleGapsMs: readonly number[] = [1000, 2000, 4000];
/** imsg's `detail` when a tracked send's `attempt_id` already names a message: the first attempt did land. */
const attemptIdTakenPattern = /attempt_id already identifies a message/i;

export interface MessageSenderOptions {
  /** One JSON-RPC request on the account's current imsg connection (the rpc-client's `request`). */
  call: ImsgCallFunction;
  /** Whether a connection is up now; a send waits (polling) until it is, up to `reconnectWaitMs`. */
  isConnected: () => boolean;
  /** See `defaultReconnectWaitMs`. */
  reconnectWaitMs?: number;
  now?: () => number;
  /**
   * Whether the current connection offers `send.tracked` and `message.send_status` now (`trackedSendsUsable` of its
   * negotiated methods): text parts then go out with their own guid. Absent: never.
   */
  trackedSends?: () => boolean;
  /** The account the guids of tracked sends are derived for (`trackedSendGuid`). */
  accountId?: string;
  /** Gaps between the `message.send_status` lookups that settle a lost tracked send (default 1 s, 2 s, 4 s). */
  settleGapsMs?: readonly number[];
  /**
   * Aborted when the account stops: waits for a reconnect and settle lookups end with `SENDS_STOPPED` instead of
   * holding the shutdown (the part stays open, and the next start finishes it).
   */
  signal?: AbortSignal;
}

/** What imsg answered for one send, or the row history proved it had already written. */
export interface SentMessage {
  rowid?: number;
  guid?: string;
  /** True when the message was found in the chat's history and not sent again. */
  found?: boolean;
  /** imsg's answer to the send, when it answered one (not when the row was found in history). */
  answer?: Record<string, unknown>;
  /** How it went out: `send.tracked` with its own guid, or a plain `send` (checked against history when in doubt). */
  mode?: SendMode;
  /** `delivered` when `message.send_status` said so while settling a lost answer. */
  state?: "sent" | "delivered";
  /** Why the state is what it is, when that is worth telling (a row Messages still shows pending). */
  detail?: string;
}

export type SendMode = "tracked" | "history";

/** One attempt of a part, as it is persisted before its request is written. */
export interface PartAttempt {
  mode: SendMode;
  /** Attempts with a new identity so far (a tracked part's guid derives from it). */
  attempt: number;
  /** The tracked attempt's own guid. */
  guid?: string;
  startedAt: number;
}

/**
 * The identity of one outbound part (docs/exactly-once.md): what a tracked send's guid derives from, the attempt made
 * before whose outcome was never learned, and the hook that persists each attempt before it is written.
 */
export interface PartIdentity {
  /** `<delivery id>#<seq>`, stable across restarts. */
  key: string;
  /** Attempts with a new identity so far. */
  attempt: number;
  /** An attempt made before (a crash, a run that stopped) whose outcome is unknown: settled before anything is sent. */
  unsettled?: PartAttempt;
  /** Persists the attempt; runs before the request is written, and a throw stops the send with nothing written. */
  onAttempt?: (attempt: PartAttempt) => void;
}

/**
 * The sends of one reply (its chunks and files, in order) to one chat. A row matched for one of them, or answered
 * for it, is never taken for a later one, so two identical chunks never match one history row.
 */
export interface Delivery {
  /** The `send` target of the chat (`sendParamsForChat`): build calls with `planTextSends` / `fileSendCall`. */
  readonly target: SendTargetParams;
  /**
   * Sends one `send` call once: waits out a reconnect, and settles an unknown outcome before sending again. With a
   * part identity and tracked sends usable, a text goes out as `send.tracked` under the part's own guid.
   */
  send(call: ImsgCall, part?: PartIdentity): Promise<SentMessage>;
}

export interface DeliveryOptions {
  /** A reply recorded before a restart: any part may already have gone out since then, so look before sending. */
  maybeSentSince?: number;
  /**
   * Guids other parts already own (persisted): a history lookup never takes one of them for this delivery's parts.
   * A function is called only when a lookup runs (a lost answer), so a delivery whose sends are answered never
   * reads them: the account's recent guids grow with its traffic.
   */
  ownedGuids?: Iterable<string> | (() => Iterable<string>);
  /** Earlier parts of this delivery that went out without a guid (imsg 0.9.0): each owns one matching history row. */
  unnamedSends?: readonly ImsgCall[];
  /** When the delivery's first part was first attempted (persisted): history lookups take rows from then on. */
  startedAt?: number;
}

export interface MessageSender {
  /** A delivery to a chat the gateway knows (its `send` target per `sendParamsForChat`). */
  delivery(chat: ChatIdentity, options?: DeliveryOptions): Delivery;
  /** A delivery to an explicit target (`resolveSendTarget`), as the CLI's `send` names one. */
  deliveryTo(target: SendTargetParams, options?: DeliveryOptions): Delivery;
  /**
   * Where Messages is with a tracked message (`message.send_status`): `sent`, `delivered`, `failed`, `pending` (a row
   * not sent yet), `missing` (no row with that guid), or undefined when imsg could not say.
   */
  sendStatus(guid: string): Promise<TrackedSendState | undefined>;
}

export type TrackedSendState = "sent" | "delivered" | "failed" | "pending" | "missing";

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

/** A `-32603` without a typed delivery outcome: what imsg before 0.14 answers for any failure. */
function isUntypedInternalError(error: unknown): boolean {
  return ImsgRpcError.isInstance(error) && error.code === -32603 && error.delivery === undefined;
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
  const settleGapsMs = options.settleGapsMs ?? defaultSettleGapsMs;
  /** A wait that ends early when the account stops (the next `connected` then says so). */
  const pause = (ms: number) => sleep(ms, undefined, { signal: options.signal }).catch(() => undefined);

  /** The account is stopping: a send waiting for imsg (or settling a lost answer) ends, and its part stays open. */
  function stoppingError(): OutboundError {
    return new OutboundError(
      "SENDS_STOPPED",
      "the gateway is stopping, so this send waits for the next start (its part stays in the outbox)",
    );
  }

  async function connected(deadline: number): Promise<void> {
    if (options.signal?.aborted) throw stoppingError();
    while (!options.isConnected()) {
      if (options.signal?.aborted) throw stoppingError();
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

  /** `message.send_status` of one guid (`MessageSender.sendStatus`). */
  async function sendStatus(guid: string): Promise<TrackedSendState | undefined> {
    const result = await options.call("message.send_status", { guid }).catch(() => undefined);
    const parsed = wireSchemas.wireSendStatusResultSchema.safeParse(result);
    if (!parsed.success) return undefined;
    if (parsed.data.status_fields === null) return "missing";
    return parsed.data.send_state;
  }

  /**
   * Settles a tracked send whose answer was lost by its own guid, once imsg is connected (a blocked lane restarts the
   * child first): `sent`/`delivered` settle it, a row Messages still shows pending is there (never sent again),
   * `failed` is reported failed; a guid not found within the window is reported unconfirmed (docs/exactly-once.md).
   */
  async function settleTracked(guid: string, deadline: number, why: string, cause?: unknown): Promise<SentMessage> {
    let rowSeen = false;
    for (let lookup = 0; lookup <= settleGapsMs.length; lookup += 1) {
      await connected(deadline);
      const state = await sendStatus(guid);
      if (state === "sent" || state === "delivered") return { guid, found: true, mode: "tracked", state };
      if (state === "failed") {
        throw new OutboundError(
          "SEND_FAILED",
          `Messages marked the message ${guid} failed (${why}); it was not sent again: check the chat on the Mac`,
          cause === undefined ? undefined : { cause },
        );
      }
      if (state === "pending") rowSeen = true;
      const gap = settleGapsMs[lookup];
      if (gap !== undefined) await pause(gap);
    }
    if (rowSeen)
      return { guid, found: true, mode: "tracked", state: "sent", detail: "Messages still shows it pending" };
    throw new OutboundError(
      "SEND_UNCONFIRMED",
      `imsg could not confirm this send went out (${why}) and message.send_status does not know its guid ${guid}; it was not sent again: check the chat on the Mac`,
      cause === undefined ? undefined : { cause },
    );
  }

  /** A text part as `send.tracked` under its own guid (docs/exactly-once.md): settled only by that guid when in doubt. */
  async function sendTracked(call: ImsgCall, part: PartIdentity, deadline: number): Promise<SentMessage> {
    const unsettled = part.unsettled;
    if (unsettled?.mode === "tracked" && unsettled.guid) {
      return settleTracked(unsettled.guid, deadline, "the gateway stopped while it was being sent");
    }
    const guid = trackedSendGuid(options.accountId ?? "", part.key, part.attempt);
    let notRun = 0;
    for (;;) {
      await connected(deadline);
      part.onAttempt?.({ mode: "tracked", attempt: part.attempt, guid, startedAt: now() });
      try {
        const sent = sendResultOf(await options.call("send.tracked", { ...call.params, attempt_id: guid }));
        return { ...sent, guid: sent.guid ?? guid, mode: "tracked", state: "sent" };
      } catch (error) {
        // imsg refused a guid it already has: an earlier attempt of this part did land.
        if (ImsgRpcError.isInstance(error) && attemptIdTakenPattern.test(error.delivery?.detail ?? error.message)) {
          return settleTracked(guid, deadline, "an earlier attempt of it is in chat.db", error);
        }
        // The request was never written (no connection at that instant): the same guid goes out once it is back.
        const unwritten = RpcClientError.isInstance(error) && error.code === "NOT_CONNECTED";
        const failure: SendFailure = unwritten
          ? { next: "resend", delayMs: reconnectPollMs, why: "imsg was not connected" }
          : classifySendFailure(error);
        if (failure.next === "fail") throw error;
        if (failure.next === "resend") {
          notRun += 1;
          if (notRun >= maxAttemptsNotRun || now() >= deadline) throw error;
          await sleep(failure.delayMs || reconnectPollMs);
          continue;
        }
        const why =
          failure.next === "confirm"
            ? `${failure.disposition}${failure.detail ? `: ${failure.detail}` : ""}`
            : failure.timedOut
              ? "imsg did not answer in time"
              : "the imsg connection ended before it answered";
        return settleTracked(guid, deadline, why, error);
      }
    }
  }

  function deliveryTo(target: SendTargetParams, deliveryOptions: DeliveryOptions = {}): Delivery {
    /** Rows known to be ours: answered guids and rows matched in history (guids other parts own: `ownedGuids`). */
    const accounted = new Set<string>();
    const { ownedGuids } = deliveryOptions;
    let owned: Iterable<string> | undefined = typeof ownedGuids === "function" ? undefined : ownedGuids;
    /** Sends of this delivery imsg answered without a guid, by content: their rows are in history, unnamed. */
    const unnamed = new Map<string, number>();
    const keyOf = (content: { text?: string; file?: string }) =>
      content.file === undefined ? `text:${content.text}` : `file:${content.file.split(/[\\/]/).pop()}`;
    let deliveryStartedAt = deliveryOptions.maybeSentSince ?? deliveryOptions.startedAt;
    for (const call of deliveryOptions.unnamedSends ?? []) {
      const key = keyOf(contentOf(call));
      unnamed.set(key, (unnamed.get(key) ?? 0) + 1);
    }

    /** Our row for this send in the chat's history, if it is there; undefined when history cannot prove it. */
    async function lookUp(call: ImsgCall, since: number): Promise<SentMessage | undefined> {
      // Only a chat_id target has a history to read; other targets are sent again, as before this lookup existed.
      if (!("chat_id" in target)) return undefined;
      const content = contentOf(call);
      if (content.text === undefined && content.file === undefined) return undefined;
      const rows = await history(target.chat_id, content.file !== undefined);
      const matches: Message[] = [];
      owned ??= typeof ownedGuids === "function" ? ownedGuids() : [];
      const excludeGuids = new Set([...owned, ...accounted]);
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
      return { rowid: row.id, guid: row.guid, found: true, mode: "history" };
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

    /** A plain `send`, looked up in the chat's history whenever its outcome is in doubt. */
    async function sendChecked(call: ImsgCall, part: PartIdentity | undefined, deadline: number): Promise<SentMessage> {
      // From the delivery's first send on: earlier parts' rows must be in the window for their counts to hold.
      deliveryStartedAt ??= part?.unsettled?.startedAt ?? now();
      const since = deliveryStartedAt;
      let outcomeUnknown = deliveryOptions.maybeSentSince !== undefined || part?.unsettled !== undefined;
      let notRun = 0;
      for (;;) {
        await connected(deadline);
        if (outcomeUnknown) {
          // A failed lookup proves nothing: the message is sent (again), as it always was.
          const found = await lookUp(call, since).catch(() => undefined);
          if (found) return found;
        }
        part?.onAttempt?.({ mode: "history", attempt: part.attempt, startedAt: now() });
        try {
          return remember(call, { ...sendResultOf(await options.call(call.method, call.params)), mode: "history" });
        } catch (error) {
          const failure = classifySendFailure(error);
          if (failure.next === "fail") {
            // imsg before 0.14 answers an untyped -32603 for anything, a bridge timeout after the message went
            // out among them: a row in the chat's history is ours; without one, the failure stands.
            if (isUntypedInternalError(error)) {
              const found = await lookUp(call, since).catch(() => undefined);
              if (found) return found;
            }
            throw error;
          }
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
    }

    return {
      target,
      async send(call, part) {
        const deadline = now() + reconnectWaitMs;
        const tracked =
          part !== undefined &&
          part.unsettled?.mode !== "history" &&
          isTrackableSend(call) &&
          (part.unsettled?.mode === "tracked" || options.trackedSends?.() === true);
        if (!tracked) return sendChecked(call, part, deadline);
        const sent = await sendTracked(call, part, deadline);
        if (sent.guid) accounted.add(sent.guid);
        return sent;
      },
    };
  }

  return {
    delivery: (chat, deliveryOptions) => deliveryTo(sendParamsForChat(chat), deliveryOptions),
    deliveryTo,
    sendStatus,
  };
}
