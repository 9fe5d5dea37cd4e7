import type { Reply, Turn } from "@imessage-channel/agents";
import type { ResolvedAccount } from "@imessage-channel/config";
import { errorMessage, type Logger } from "@imessage-channel/kit";
import {
  fileSendCall,
  type ImsgCall,
  OutboundError,
  type PartIdentity,
  planTextSends,
  sendParamsForChat,
  stageMedia,
} from "@imessage-channel/outbound";
import {
  notWritableReason,
  type OutboundOrigin,
  type OutboundPart,
  type PlannedPart,
  partPreview,
  type StateStore,
} from "@imessage-channel/state";
import { type ChatAddress, chatKeys, type ImsgPort } from "./imsg-port.ts";
import { isOutboundRefusal, type OutboundMedia } from "./outbound-media.ts";

/** Guids owned by the account's parts this recently are never taken by a history lookup for another part. */
const ownedGuidWindowMs = 60 * 60 * 1000;
/**
 * A tracked part Messages accepted is asked about (`message.send_status`) from 5 s after it went out, at most every
 * 30 s, for 15 minutes, 50 per sweep: long enough for a phone that was offline, so a message Messages marked
 * failed after accepting it is reported, and a delivered one says so.
 */
const deliveryCheck = { afterMs: 5_000, everyMs: 30_000, forMs: 15 * 60_000, perSweep: 50 };

/** What one run of a delivery did. */
export interface DeliveryOutcome {
  /** Parts that went out (or were proved out) in this run. */
  sent: number;
  /** Parts that ended `unknown` in this run: reported, never sent again without the operator. */
  unknown: number;
  /** Parts left `planned`/`sending` for the outbox sweep (imsg did not come back in time, state.db not writable). */
  kept: number;
}

export interface DeliverOptions {
  /** Stable across restarts (docs/exactly-once.md, Identity): the same reply resumes under the same id. */
  deliveryId: string;
  origin: Extract<OutboundOrigin, "reply" | "command">;
  /** A reply recorded by a build before outbound parts: any of it may have gone out since then. */
  maybeSentSince?: number;
  /**
   * The gateway's own text (command answers): sent as written, only chunked. Markdown conversion is for agents'
   * replies; it would eat the `*` and `__` of key paths and allowlist entries.
   */
  asWritten?: boolean;
}

/** How one agent action ended (the action runner's verdict). */
export type ActionOutcome = { done: true } | { done: false; reason: string };

/** An agent action as a part: the action, and whose turn it belongs to (an action resumed after a restart). */
interface ActionCall {
  action: NonNullable<Reply["actions"]>[number];
  agentId: string;
  sessionKey: string;
}

export interface OutboxOptions {
  account: ResolvedAccount;
  state: StateStore;
  imsg: ImsgPort;
  logger: Logger;
  /** Checks and stages reply files: only from the turn's agent's staging folder and `outboundMediaRoots`. */
  media: OutboundMedia;
  /** Counts refusals (`outbound-refused`). */
  status?: { drop(reason: string): void };
  /** Runs one agent action (react, edit, …); absent: actions are logged and skipped. */
  runAction?: (chat: ChatAddress, action: ActionCall["action"], turn: ActionTurn) => Promise<ActionOutcome>;
  /**
   * The account's state.db write queue: a delivery is planned through it, so while state.db cannot be written the
   * reply waits instead of failing. Absent: planned at once.
   */
  writes?: { run<Result>(write: () => Result): Result | Promise<Result> };
  now?: () => number;
}

/** Whose an action is: enough of the turn to run it again after a restart. */
export interface ActionTurn {
  agentId: string;
  sessionKey: string;
}

/** The channel's view of the outbox (what the turn runner and the pairing challenge send through). */
export interface OutboxPort {
  /** An agent reply or a command answer: planned as parts (chunks, files, actions), then each sent once. */
  deliver(chat: ChatAddress, reply: Reply, turn: Turn, options: DeliverOptions): Promise<DeliveryOutcome>;
  /** One of the gateway's own texts (pairing code, error reply, notice), as written, as one delivery. */
  sendText(
    chat: ChatAddress,
    text: string,
    delivery: { id: string; origin: Extract<OutboundOrigin, "pairing" | "error" | "notice"> },
  ): Promise<DeliveryOutcome>;
}

function chatLabel(chat: ChatAddress): string {
  return chat.chatId > 0 ? `chat_id:${chat.chatId}` : (chat.handle ?? chat.chatGuid ?? "an unknown chat");
}

function isSettled(part: OutboundPart): boolean {
  return part.state === "sent" || part.state === "delivered" || part.state === "dropped";
}

/**
 * Every message the gateway sends goes through here (docs/exactly-once.md): a delivery's parts are planned in
 * state.db before the first is sent, each is marked `sending` (with its tracked guid) before its request is written,
 * and each ends proved `sent`/`delivered`, `failed`, or `unknown` — one warning line, never sent again without the
 * operator. A delivery is run by one task at a time; `resumeOpen` finishes deliveries a crash, an imsg outage or the
 * operator (`outbox resolve --resend`) left open.
 */
export class Outbox implements OutboxPort {
  readonly #options: OutboxOptions;
  readonly #now: () => number;
  /** The run of each delivery in progress: a second run of one waits for the first. */
  readonly #active = new Map<string, Promise<DeliveryOutcome>>();

  constructor(options: OutboxOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  deliver(chat: ChatAddress, reply: Reply, turn: Turn, options: DeliverOptions): Promise<DeliveryOutcome> {
    return this.#exclusive(options.deliveryId, async () => {
      const { state, account } = this.#options;
      if (state.parts.partsOf(options.deliveryId).length === 0) {
        const parts = await this.#plan(chat, reply, turn, options);
        await this.#written(() =>
          state.parts.plan(
            { id: options.deliveryId, accountId: account.accountId, origin: options.origin, chat },
            parts,
          ),
        );
      }
      return this.#run(options.deliveryId, options.maybeSentSince);
    });
  }

  sendText(
    chat: ChatAddress,
    text: string,
    delivery: { id: string; origin: Extract<OutboundOrigin, "pairing" | "error" | "notice"> },
  ): Promise<DeliveryOutcome> {
    return this.#exclusive(delivery.id, async () => {
      const { state, account } = this.#options;
      if (state.parts.partsOf(delivery.id).length === 0) {
        const target = sendParamsForChat(chat);
        const parts = planTextSends(text, { target, textChunkLimit: account.textChunkLimit, asWritten: true }).map(
          (call): PlannedPart => ({ kind: "text", call, preview: partPreview(String(call.params.text ?? "")) }),
        );
        await this.#written(() =>
          state.parts.plan({ id: delivery.id, accountId: account.accountId, origin: delivery.origin, chat }, parts),
        );
      }
      return this.#run(delivery.id);
    });
  }

  /**
   * Asks Messages about tracked parts it accepted (`deliveryCheck`): `delivered` is recorded; `failed` (the red
   * "Not Delivered") makes the part `failed` with one warning line, so the operator can resend it.
   */
  async checkDelivery(): Promise<{ delivered: number; failed: number }> {
    const { state, account, imsg, logger } = this.#options;
    const now = this.#now();
    const counts = { delivered: 0, failed: 0 };
    const waiting = state.parts.awaitingDelivery(account.accountId, {
      since: now - deliveryCheck.forMs,
      until: now - deliveryCheck.afterMs,
      checkedBefore: now - deliveryCheck.everyMs,
      limit: deliveryCheck.perSweep,
    });
    for (const part of waiting) {
      const status = await imsg.sendStatus(part.guid ?? "");
      if (status === undefined) return counts; // imsg cannot say now: ask again next sweep
      const chat = part.chat as ChatAddress;
      this.#recorded(() => {
        if (status === "delivered") {
          state.parts.update(part.id, { state: "delivered", checkedAt: now });
          counts.delivered += 1;
        } else if (status === "failed") {
          state.parts.update(part.id, { state: "failed", checkedAt: now, detail: "Messages marked it not delivered" });
          counts.failed += 1;
          logger.warn(
            { part: part.id, delivery: part.deliveryId, chat: chatLabel(chat) },
            `outbox part ${part.id} to ${chatLabel(chat)} failed ("${part.preview}"): Messages marked it not delivered; after checking the chat, run \`imessage-channel outbox resolve ${part.id} --resend|--drop\``,
          );
        } else state.parts.update(part.id, { state: "sent", checkedAt: now });
      });
    }
    return counts;
  }

  /** Finishes every delivery of the account left open (not running now), oldest first; failures are logged. */
  async resumeOpen(): Promise<DeliveryOutcome> {
    const { state, account, logger } = this.#options;
    const total: DeliveryOutcome = { sent: 0, unknown: 0, kept: 0 };
    for (const deliveryId of state.parts.openDeliveries(account.accountId)) {
      if (this.#active.has(deliveryId)) continue;
      try {
        const outcome = await this.#exclusive(deliveryId, () => this.#run(deliveryId));
        total.sent += outcome.sent;
        total.unknown += outcome.unknown;
        total.kept += outcome.kept;
        if (outcome.kept > 0) break; // imsg is gone again: the next sweep goes on
      } catch (error) {
        logger.error(
          { delivery: deliveryId, err: error },
          `outbox: delivery ${deliveryId} failed: ${errorMessage(error)}`,
        );
      }
    }
    return total;
  }

  async #written<Result>(write: () => Result): Promise<Result> {
    return this.#options.writes ? await this.#options.writes.run(write) : write();
  }

  #exclusive(deliveryId: string, run: () => Promise<DeliveryOutcome>): Promise<DeliveryOutcome> {
    const previous = this.#active.get(deliveryId);
    const next = (previous ? previous.catch(() => undefined) : Promise.resolve()).then(run);
    this.#active.set(deliveryId, next);
    const release = () => {
      if (this.#active.get(deliveryId) === next) this.#active.delete(deliveryId);
    };
    next.then(release, release);
    return next;
  }

  /** A reply's parts in order: its text chunks, its files (each checked and staged now), its actions. */
  async #plan(chat: ChatAddress, reply: Reply, turn: Turn, options: DeliverOptions): Promise<PlannedPart[]> {
    const { account, logger } = this.#options;
    const target = sendParamsForChat(chat);
    const parts: PlannedPart[] = planTextSends(reply.text ?? "", {
      target,
      textChunkLimit: account.textChunkLimit,
      chunkMode: account.chunkMode,
      asWritten: options.asWritten,
    }).map((call) => ({ kind: "text", call, preview: partPreview(String(call.params.text ?? "")) }));
    const media = this.#options.media.forAgent(turn.agentId);
    for (const attachment of reply.attachments ?? []) {
      try {
        const call = fileSendCall(target, await stageMedia(attachment, media));
        parts.push({ kind: "file", call, preview: partPreview(String(call.params.file).split(/[\\/]/).pop() ?? "") });
      } catch (error) {
        if (isOutboundRefusal(error)) {
          this.#options.status?.drop("outbound-refused");
          logger.warn({ session: turn.sessionKey, agent: turn.agentId }, `reply attachment refused: ${error.message}`);
        } else
          logger.warn({ err: error, session: turn.sessionKey }, `reply attachment not sent: ${errorMessage(error)}`);
      }
    }
    for (const action of reply.actions ?? []) {
      const call: ActionCall = { action, agentId: turn.agentId, sessionKey: turn.sessionKey };
      parts.push({ kind: "action", call, preview: partPreview(`${action.action}`) });
    }
    return parts;
  }

  /** Sends the delivery's unsettled parts in order. */
  async #run(deliveryId: string, maybeSentSince?: number): Promise<DeliveryOutcome> {
    const { state, imsg, account } = this.#options;
    const outcome: DeliveryOutcome = { sent: 0, unknown: 0, kept: 0 };
    const parts = state.parts.partsOf(deliveryId);
    const first = parts[0];
    if (!first) return outcome;
    const chat = first.chat as ChatAddress;
    const attempted = parts.flatMap((part) => (part.firstAttemptAt === undefined ? [] : [part.firstAttemptAt]));
    const delivery = imsg.delivery(chat, {
      // Its own parts' guids however old (a delivery resumed hours later), and every recent one of the account.
      // Read only if a history lookup runs: the account's recent guids grow with its traffic (a scan per reply).
      ownedGuids: () => [
        ...parts.flatMap((part) => (part.guid === undefined ? [] : [part.guid])),
        ...state.parts.ownedGuidsSince(account.accountId, this.#now() - ownedGuidWindowMs),
      ],
      unnamedSends: parts
        .filter(
          (part) => isSettled(part) && part.kind !== "action" && part.guid === undefined && part.mode !== undefined,
        )
        .map((part) => part.call as ImsgCall),
      ...(attempted.length ? { startedAt: Math.min(...attempted) } : {}),
      ...(maybeSentSince === undefined ? {} : { maybeSentSince }),
    });
    for (const [index, part] of parts.entries()) {
      if (part.state !== "planned" && part.state !== "sending") continue;
      try {
        const result =
          part.kind === "action"
            ? await this.#runAction(chat, part)
            : await this.#sendPart(delivery, chat, part, maybeSentSince);
        if (result === "sent") outcome.sent += 1;
        else if (result === "unknown") outcome.unknown += 1;
      } catch (error) {
        if (this.#keepsOpen(error)) {
          outcome.kept = parts
            .slice(index)
            .filter((rest) => rest.state === "planned" || rest.state === "sending").length;
          this.#options.logger.warn(
            { delivery: deliveryId, part: part.id },
            `outbox: ${errorMessage(error)}; ${outcome.kept} part(s) of ${deliveryId} are kept and sent once imsg is back`,
          );
          return outcome;
        }
        this.#failRest(parts.slice(index + 1), part, error);
        throw error;
      }
    }
    return outcome;
  }

  /** imsg gone longer than the send waits, the account stopping, or state.db not writable: the part stays open. */
  #keepsOpen(error: unknown): boolean {
    const waiting =
      OutboundError.isInstance(error) && (error.code === "NOT_RECONNECTED" || error.code === "SENDS_STOPPED");
    return waiting || notWritableReason(error) !== undefined;
  }

  /** One text or file part: sent once (docs/exactly-once.md); `unknown` is reported, any other failure thrown. */
  async #sendPart(
    delivery: ReturnType<ImsgPort["delivery"]>,
    chat: ChatAddress,
    part: OutboundPart,
    maybeSentSince: number | undefined,
  ): Promise<"sent" | "unknown"> {
    const { state, account } = this.#options;
    const call = part.call as ImsgCall;
    let echo: string | undefined;
    const identity: PartIdentity = {
      key: part.key,
      attempt: part.attempt,
      ...this.#unsettled(part, maybeSentSince),
      onAttempt: (attempt) => {
        state.parts.update(part.id, {
          state: "sending",
          mode: attempt.mode,
          attempt: attempt.attempt,
          firstAttemptAt: attempt.startedAt,
          ...(attempt.guid === undefined ? {} : { guid: attempt.guid }),
        });
        // Recorded before the request: imsg can stream our row back before the send returns.
        echo ??= state.echoes.recordSent({
          accountId: account.accountId,
          chatKeys: chatKeys(chat),
          text: typeof call.params.text === "string" ? call.params.text : undefined,
          ...(attempt.guid === undefined ? {} : { guid: attempt.guid }),
        });
      },
    };
    try {
      const sent = await delivery.send(call, identity);
      this.#recorded(() => {
        if (echo !== undefined) state.echoes.attachGuid(echo, sent.guid);
        state.parts.update(part.id, {
          state: sent.state ?? "sent",
          ...(sent.mode === undefined ? {} : { mode: sent.mode }),
          ...(sent.guid === undefined ? {} : { guid: sent.guid }),
          ...(sent.rowid === undefined ? {} : { rowid: sent.rowid }),
          ...(sent.detail === undefined ? {} : { detail: sent.detail }),
        });
      });
      return "sent";
    } catch (error) {
      if (OutboundError.isInstance(error) && error.code === "SEND_UNCONFIRMED") {
        this.#recorded(() => state.parts.update(part.id, { state: "unknown", detail: error.message }));
        this.#warnUnknown(part, chat, error.message);
        return "unknown";
      }
      if (!this.#keepsOpen(error)) {
        this.#recorded(() => state.parts.update(part.id, { state: "failed", detail: errorMessage(error) }));
      }
      throw error;
    }
  }

  /**
   * The attempt made before whose outcome was never learned: a part found `sending` (a crash, a run that stopped),
   * or any part of a reply an older build recorded (it may have gone out as a plain send: look in history).
   */
  #unsettled(part: OutboundPart, maybeSentSince: number | undefined): Pick<PartIdentity, "unsettled"> {
    if (part.state === "sending" && part.mode !== undefined && part.mode !== "action") {
      return {
        unsettled: {
          mode: part.mode,
          attempt: part.attempt,
          startedAt: part.firstAttemptAt ?? part.updatedAt,
          ...(part.guid === undefined ? {} : { guid: part.guid }),
        },
      };
    }
    if (maybeSentSince !== undefined) return { unsettled: { mode: "history", attempt: 0, startedAt: maybeSentSince } };
    return {};
  }

  /** One agent action: never run twice, so one found `sending` after a restart is `unknown`. */
  async #runAction(chat: ChatAddress, part: OutboundPart): Promise<"sent" | "unknown" | "failed"> {
    const { state, logger } = this.#options;
    const { action, agentId, sessionKey } = part.call as ActionCall;
    if (part.state === "sending") {
      const detail = "the action may have run before the gateway stopped; actions are never run twice";
      this.#recorded(() => state.parts.update(part.id, { state: "unknown", detail }));
      this.#warnUnknown(part, chat, detail);
      return "unknown";
    }
    if (!this.#options.runAction) {
      logger.warn({ session: sessionKey }, `reply had the action ${action.action}; actions are not enabled yet`);
      this.#recorded(() => state.parts.update(part.id, { state: "failed", detail: "actions are not enabled" }));
      return "failed";
    }
    state.parts.update(part.id, { state: "sending", mode: "action", firstAttemptAt: this.#now() });
    const result = await this.#options.runAction(chat, action, { agentId, sessionKey });
    this.#recorded(() =>
      state.parts.update(part.id, result.done ? { state: "sent" } : { state: "failed", detail: result.reason }),
    );
    return result.done ? "sent" : "failed";
  }

  /** A part imsg refused stops its delivery: the parts after it are not sent, and say why. */
  #failRest(rest: OutboundPart[], failed: OutboundPart, error: unknown): void {
    const detail = `not sent: part ${failed.id} before it failed (${errorMessage(error)})`;
    this.#recorded(() => {
      for (const part of rest) {
        if (part.state === "planned") this.#options.state.parts.update(part.id, { state: "failed", detail });
      }
    });
  }

  #warnUnknown(part: OutboundPart, chat: ChatAddress, why: string): void {
    this.#options.logger.warn(
      { part: part.id, delivery: part.deliveryId, chat: chatLabel(chat) },
      `outbox part ${part.id} to ${chatLabel(chat)} is unknown ("${part.preview}"): ${why}; after checking the chat, run \`imessage-channel outbox resolve ${part.id} --sent|--resend|--drop\``,
    );
  }

  /**
   * A state write after a send: when state.db cannot be written the part stays `sending`, and the next sweep settles
   * it by proof (its guid, or the chat's history) — so the failure is logged, not thrown over a message that went out.
   */
  #recorded(write: () => void): void {
    try {
      write();
    } catch (error) {
      this.#options.logger.error({ err: error }, `outbox: could not record a part's state: ${errorMessage(error)}`);
    }
  }
}
