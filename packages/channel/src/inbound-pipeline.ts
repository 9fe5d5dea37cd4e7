import { setTimeout as sleep } from "node:timers/promises";
import {
  type AgentRuntime,
  backoffDelayMs,
  type HistoryEntry,
  isAgentUnavailable,
  isEmptyReply,
  missingAttachmentPlaceholder,
  type Reply,
  replySchema,
  type Turn,
} from "@imessage-channel/agents";
import { type FetchResult, isAttachmentOnlyText, type SkippedAttachment } from "@imessage-channel/attachments";
import type { DispatchAttempts } from "@imessage-channel/catchup";
import type { ResolvedAccount, ResolvedRouting } from "@imessage-channel/config";
import type { Logger } from "@imessage-channel/kit";
import { errorMessage } from "@imessage-channel/kit";
import { type DispatchDecision, evaluateInbound, normalizeHandle } from "@imessage-channel/policy";
import type { RowCursor } from "@imessage-channel/row-cursor";
import { type ClaimResult, notWritableReason, type StateStore, WriteQueue } from "@imessage-channel/state";
import type { AccountStatusReporter } from "./account-status.ts";
import { GroupHistory } from "./group-history.ts";
import { type ChatAddress, chatKeys, type ImsgMessage, type ImsgPort } from "./imsg-port.ts";
import { pairingReplyText } from "./pairing-reply.ts";
import { reactionEventOf, reactionText } from "./reaction-event.ts";
import { sendTextRemembered } from "./remembered-send.ts";
import type { SessionQueue, TaskContext } from "./session-queue.ts";

/** One accepted row waiting to become (part of) a turn. */
export interface PendingRow {
  message: ImsgMessage;
  decision: DispatchDecision;
  replayed: boolean;
  /** Files fetched for the agent (includeAttachments on), gateway-local paths. */
  attachments?: FetchResult["attachments"];
  /** Files the row had that the agent cannot get (too large, outside roots, unavailable): it is told so. */
  missingAttachments?: SkippedAttachment[];
}

/** The rows of one turn and their merged text (one row: its text as it came). */
export interface TurnRows {
  rows: PendingRow[];
  text: string;
  /** The rows whose words and files the agent sees (the coalescer's first-plus-latest cap); default: all rows. */
  entries?: PendingRow[];
}

/** Merges rows into turns: the coalescer for DMs; everything else passes through. */
export interface TurnBuffer {
  add(row: PendingRow): void;
  flush(): Promise<void>;
}

export interface ChatCommandHandler {
  /** Handles an authorized control command; returns the reply text, or undefined to treat it as a message. */
  handle(row: PendingRow, agent: AgentRuntime): Promise<string | undefined>;
}

export interface DeliveryOptions {
  /** A reply recorded before a restart: any part may already have gone out since then, so look before sending. */
  maybeSentSince?: number;
  /**
   * The gateway's own text (command answers): sent as written, only chunked. Markdown conversion is for agents'
   * replies; it would eat the `*` and `__` of key paths and allowlist entries.
   */
  asWritten?: boolean;
}

/** Turns an agent reply into sends on the same imsg connection; returns how many messages went out. */
export type ReplyDeliverer = (
  chat: ChatAddress,
  reply: Reply,
  turn: Turn,
  options?: DeliveryOptions,
) => Promise<number>;

export interface PipelineOptions {
  account: ResolvedAccount;
  routing: ResolvedRouting;
  state: StateStore;
  imsg: ImsgPort;
  logger: Logger;
  status: AccountStatusReporter;
  queue: SessionQueue;
  agentFor: (agentId: string) => AgentRuntime;
  deliverReply: ReplyDeliverer;
  /** Builds the turn buffer with the pipeline's `dispatchTurn` as its sink. */
  createTurnBuffer: (sink: (turn: TurnRows) => Promise<void>) => TurnBuffer;
  commands?: ChatCommandHandler;
  /**
   * The account's cursor: each row begins on it when it arrives and settles once it is answered, committed or
   * dropped. Whoever made it listens to its one "moved" event (the supervisor's resume point, the saved cursors).
   */
  cursor: RowCursor<ImsgMessage>;
  /**
   * Where the journal's claims, commits and releases go: while state.db cannot be written they wait there, in
   * order, and rows are delayed instead of lost. Default: a queue of the pipeline's own.
   */
  writes?: WriteQueue;
  /** A conversation bound to an ACP session (`/acp spawn … --bind here`) routes there instead. */
  routeOverride?: (decision: DispatchDecision) => { agentId: string; sessionKey: string } | undefined;
  /** Fetches a dispatched row's attachments (includeAttachments on); never rejects for a file problem. */
  fetchAttachments?: (attachments: ImsgMessage["attachments"]) => Promise<FetchResult>;
  /**
   * Whether to mark read and show typing now (outbound's `BridgeCapability.receipts` for the account's
   * `sendReadReceipts`); may wait for the first probe.
   */
  receipts: () => Promise<{ markRead: boolean; typing: boolean }>;
  /** The actions this Mac supports in a DM or a group (outbound's `advertisedActions`), told to the agent in the turn. */
  availableActions?: (isGroup: boolean) => string[];
  /** `agents.retry`: how long a turn whose agent is unavailable is retried, and the backoff between attempts. */
  agentRetry?: AgentRetry;
  now?: () => number;
  /** Waits out a retry's backoff; rejects when `signal` aborts (tests make it instant). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<unknown>;
  /** The backoff's jitter, 0..1. */
  random?: () => number;
}

export interface AgentRetry {
  /** From the first failed attempt of a session's outage; 0 = one attempt (the agent's own quick retries only). */
  windowMs: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

const pairingRenotifyMs = 10 * 60 * 1000;
/** Triage attempts of one row that meet an unwritable state.db (a pairing request) before it counts as failed. */
const triageAttemptsWhileUnwritable = 3;
const defaultAgentRetry: AgentRetry = { windowMs: 10 * 60_000, initialDelayMs: 2000, maxDelayMs: 60_000 };
/** A retry window at least this long is worth telling the sender about: otherwise the answer (or apology) is near. */
const unavailableNoticeMinimumWindowMs = 60_000;
/** Sent once per outage of a session's agent while its turn is kept and retried. */
export const agentUnavailableNotice =
  "The assistant is unavailable right now. Your message is kept and will be answered as soon as it is back.";

/** A replayed row's catchup pass, waiting for its turn; `attempts` counts failed attempts toward maxFailureRetries. */
interface ReplayWaiter {
  resolve(): void;
  reject(error: unknown): void;
  attempts?: DispatchAttempts;
}

/**
 * The data flow of one inbound row (docs/architecture.md#data-flow): age fence → dedupe (claim) and echo drop →
 * attachments gate → policy → coalescer → session and system prompt → read receipt + typing → agent → reply → commit →
 * cursor. A row is claimed in the journal before anything else and the cursor only moves past it once it settled, so a
 * crash replays it and a restart never answers it twice.
 */
export class InboundPipeline {
  readonly #options: PipelineOptions;
  readonly #cursor: RowCursor<ImsgMessage>;
  readonly #buffer: TurnBuffer;
  readonly #now: () => number;
  readonly #warnedOnce = new Set<string>();
  /** Pairing codes whose challenge is being sent: a burst of DMs from one stranger gets one challenge, not one each. */
  readonly #challengesInFlight = new Set<string>();
  readonly #settleWaiters = new Map<number, ReplayWaiter>();
  /** Per agent and session, the outage its turns are being retried through: since when, and whether the sender was told. */
  readonly #outages = new Map<string, { since: number; notified: boolean }>();
  readonly #groupHistory = new GroupHistory();
  /** Per chat, the triage of its latest row: the next row of the chat waits for it (`#inChatOrder`). */
  readonly #triageTails = new Map<string, Promise<void>>();
  readonly #writes: WriteQueue;
  /** Rows whose claim waits for state.db: taken once it can be written; a re-streamed copy joins them. */
  readonly #unclaimed = new Set<number>();
  /** Rows whose commit waits for state.db: the cursor passes them only once it is on disk. */
  readonly #uncommitted = new Set<number>();
  readonly #settleWhenCommitted = new Map<number, ImsgMessage>();
  #accepting = true;

  constructor(options: PipelineOptions) {
    this.#options = options;
    this.#writes = options.writes ?? new WriteQueue();
    this.#cursor = options.cursor;
    this.#now = options.now ?? Date.now;
    this.#buffer = options.createTurnBuffer((turn) => this.#dispatchTurn(turn));
  }

  get inFlight(): number {
    return this.#cursor.openCount;
  }

  /**
   * A replayed row (catchup): resolves only once its turn finished (or it was dropped), so the catchup cursor
   * never moves past a row a crash would lose. Rejects when the row could not be journaled, or when shutdown
   * cancelled its turn. Each failed attempt of an unavailable agent at it is counted on `attempts`; once catchup
   * gives up on the row, the turn gets the error reply and the row settles.
   */
  async acceptReplayed(message: ImsgMessage, attempts?: DispatchAttempts): Promise<void> {
    // Shutting down: refuse, so the catchup cursor holds before this row and the next start replays it.
    if (!this.#accepting) throw new Error(`gateway is shutting down; row ${message.id} is replayed on the next start`);
    const settled = new Promise<void>((resolve, reject) =>
      this.#settleWaiters.set(message.id, { resolve, reject, attempts }),
    );
    const outcome = await this.accept(message, { replayed: true });
    if (outcome === "duplicate" && !this.#cursor.isOpen(message.id)) this.#settleWaiters.get(message.id)?.resolve();
    await settled;
  }

  /** Stops taking new rows (shutdown); rows already inside still finish. */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /** Emits everything the coalescer holds, so nothing buffered is lost on shutdown. */
  flush(): Promise<void> {
    return this.#buffer.flush();
  }

  /**
   * Takes one streamed (or replayed) row. Resolves once the row has been triaged; its turn may still be running.
   * While state.db cannot be written the row waits for its claim (the cursor holds before it) and is taken once it
   * can. Rejects only when the journal fails otherwise; the row then counts as failed.
   */
  async accept(message: ImsgMessage, origin: { replayed: boolean }): Promise<"queued" | "dropped" | "duplicate"> {
    const { account, status } = this.#options;
    if (!this.#accepting) return "dropped";
    // A row still waiting for state.db to take its claim is no duplicate: a re-streamed copy joins it.
    if (this.#unclaimed.has(message.id)) return "queued";
    // A resubscribe re-streams rows still with the agent: the copy is a duplicate and must not settle the original.
    if (this.#cursor.isOpen(message.id)) return "duplicate";
    status.touch();
    this.#cursor.begin(message.id, origin.replayed ? "replayed" : "live", message);

    // Our own sends stream back too: they move the cursor but are not "received".
    if (message.isFromMe) {
      return this.#isEcho(message, true)
        ? this.#drop(message, "echo", `our own send came back (row ${message.id})`, { journal: false, level: "info" })
        : this.#drop(message, "from-me", "own message", { journal: false });
    }
    status.count("received");
    if (message.isReaction && account.reactionNotifications === "off") {
      return this.#drop(message, "reaction", "tapback event (reactionNotifications is off)", { journal: false });
    }

    if (!origin.replayed) {
      const ageMinutes = (this.#now() - Date.parse(message.createdAt)) / 60_000;
      if (ageMinutes > account.maxInboundAgeMinutes) {
        return this.#drop(
          message,
          "stale",
          `row ${message.id} is ${Math.round(ageMinutes)} min old (> maxInboundAgeMinutes ${account.maxInboundAgeMinutes}); iCloud sync writes old messages under new rowids`,
          { journal: false, level: "info" },
        );
      }
    }

    if (this.#isEcho(message, sentFromOwnHandle(message, account.phoneRegion))) {
      return this.#drop(message, "echo", `our own send came back (row ${message.id}, from our own handle)`, {
        journal: false,
        level: "info",
      });
    }

    return this.#take(message, origin);
  }

  /** The journal claim, then triage in chat order. */
  async #take(
    message: ImsgMessage,
    origin: { replayed: boolean },
    attempt = 1,
  ): Promise<"queued" | "dropped" | "duplicate"> {
    const { state, status, logger } = this.#options;
    let claim: ClaimResult | "not-taken" = "claimed";
    if (message.guid) {
      try {
        // Synchronous while state.db takes writes, so rows reach `#inChatOrder` in the order they came.
        const claiming = this.#claim(message);
        claim = claiming instanceof Promise ? await claiming : claiming;
      } catch (error) {
        // Not an unwritable state.db (that waits): the row cannot be journaled and must not hold the cursor forever.
        status.count("failed");
        this.#settle(message);
        throw error;
      }
    }
    if (claim === "not-taken") return "dropped";
    if (claim !== "claimed") {
      status.count("deduped");
      logger.debug({ rowid: message.id, guid: message.guid, claim }, "duplicate row skipped");
      this.#settle(message);
      return "duplicate";
    }

    try {
      return await this.#inChatOrder(message, () => this.#triage(message, origin.replayed));
    } catch (error) {
      const reason = notWritableReason(error);
      if (reason !== undefined && message.guid && attempt < triageAttemptsWhileUnwritable) {
        // Triage wrote to state.db (a pairing request) and could not: give the claim back and take the row again.
        logger.warn(
          { rowid: message.id, attempt },
          `inbound row ${message.id} waits: state.db not writable (${reason}); it is taken again once it can be written`,
        );
        const guid = message.guid;
        try {
          await this.#writes.run(() => state.inbound.release(guid));
        } catch {
          return "dropped"; // shutdown came first: the cursor holds before the row, the next start takes it
        }
        return this.#take(message, origin, attempt + 1);
      }
      logger.error({ rowid: message.id, err: error }, `inbound row ${message.id} failed before dispatch`);
      this.#release(message);
      status.count("failed");
      this.#settle(message);
      return "dropped";
    }
  }

  /** Claims the row now, or — state.db cannot be written — once it can (the promise); a copy streamed meanwhile joins it. */
  #claim(message: ImsgMessage): ClaimResult | Promise<ClaimResult | "not-taken"> {
    const { state, account } = this.#options;
    const claiming = this.#writes.run(() =>
      state.inbound.claim(message.guid, { accountId: account.accountId, rowid: message.id }),
    );
    return claiming instanceof Promise ? this.#claimWhenWritable(message, claiming) : claiming;
  }

  async #claimWhenWritable(message: ImsgMessage, claiming: Promise<ClaimResult>): Promise<ClaimResult | "not-taken"> {
    const { logger } = this.#options;
    this.#unclaimed.add(message.id);
    logger.debug(
      { rowid: message.id, waiting: this.#writes.waiting },
      `row ${message.id} waits for state.db (${this.#writes.blockedReason ?? "not writable"}) before it is claimed`,
    );
    try {
      return await claiming;
    } catch (error) {
      if (notWritableReason(error) === undefined) throw error;
      // Shutdown gave up on the claim: the saved cursor is before the row, so the next start takes it.
      logger.info({ rowid: message.id }, `row ${message.id} was not claimed before shutdown; the next start takes it`);
      return "not-taken";
    } finally {
      this.#unclaimed.delete(message.id);
    }
  }

  /**
   * Runs one row's triage after the previous row of the same chat finished its own. Triage waits on IO of varying
   * length (the chat's service, a tapback's target, attachments), and rows of one chat must still reach the
   * coalescer and the session queue in the order imsg streamed them; other chats go on in parallel.
   */
  #inChatOrder<T>(message: ImsgMessage, triage: () => Promise<T>): Promise<T> {
    const chat = message.chatId > 0 ? `id:${message.chatId}` : `guid:${message.chatGuid || message.sender}`;
    const previous = this.#triageTails.get(chat);
    const run = previous ? previous.then(triage) : triage();
    const tail = run.then(
      () => {},
      () => {},
    );
    this.#triageTails.set(chat, tail);
    void tail.then(() => {
      if (this.#triageTails.get(chat) === tail) this.#triageTails.delete(chat);
    });
    return run;
  }

  /**
   * An echo is our own send coming back: its guid, or — for a row of ours only — its text in the same chat
   * within seconds. Another participant's row is never dropped because its words match what we said.
   */
  #isEcho(message: ImsgMessage, ours: boolean): boolean {
    const { account, state } = this.#options;
    return state.echoes.isEcho({
      accountId: account.accountId,
      chatKeys: chatKeys(chatAddressOf(message)),
      text: message.text,
      guid: message.guid,
      ours,
    });
  }

  async #triage(message: ImsgMessage, replayed: boolean): Promise<"queued" | "dropped"> {
    const { account, routing, state, logger, imsg } = this.#options;
    // A tapback's text ("Loved “hi”", or "") is not a message with attachments.
    const attachmentOnly = !message.isReaction && isAttachmentOnlyText(message.text);
    if (attachmentOnly && !account.includeAttachments) {
      return this.#drop(message, "attachment-only", "attachment-only row and includeAttachments is off", {
        level: "debug",
      });
    }

    // imsg puts no service on a message: the chat's decides whether an SMS could be posing as iMessage.
    const service = account.allowSmsSenders ? undefined : await imsg.chatService(chatAddressOf(message));
    const evaluated = evaluateInbound({ ...message, service }, account, {
      approvedSenders: state.pairing.listApproved({ accountId: account.accountId }).map((approval) => approval.sender),
      agents: routing.agents,
      bindings: routing.bindings,
      mentionPatterns: routing.mentionPatterns,
      dmScope: routing.dmScope,
      acceptReactions: account.reactionNotifications !== "off",
    });

    const override = evaluated.kind === "dispatch" ? this.#options.routeOverride?.(evaluated) : undefined;
    const decision = override && evaluated.kind === "dispatch" ? { ...evaluated, ...override } : evaluated;
    if (decision.kind === "drop") {
      // Said in an allowed group without addressing the agent: kept for its next turn there.
      if (decision.reason === "not-mentioned") {
        this.#groupHistory.record(
          chatAnchor(message),
          historyEntryOf(message, account.phoneRegion),
          account.historyLimit,
        );
      }
      return this.#drop(message, decision.reason, decision.detail, { level: "info" });
    }
    if (decision.kind === "pairing-challenge") {
      await this.#challenge(message, decision.sender);
      return "dropped";
    }
    if (message.isReaction) {
      const skipped = await this.#reactionSkipped(message, decision);
      if (skipped) return this.#drop(message, skipped.reason, skipped.detail, { level: "debug" });
      this.#buffer.add({ message, decision, replayed, attachments: [], missingAttachments: [] });
      return "queued";
    }
    if (decision.mentionGating === "unenforceable") {
      this.#warnOnce(
        `mention-unenforceable:${message.chatId}`,
        `group chat ${message.chatId} requires a mention but no mentionPatterns are configured: every message is dispatched; set agents.list[].groupChat.mentionPatterns or messages.groupChat.mentionPatterns`,
      );
    }
    logger.info(
      {
        rowid: message.id,
        chat: message.chatId,
        sender: decision.sender,
        agent: decision.agentId,
        session: decision.sessionKey,
        replayed,
      },
      "Inbound message",
    );
    // Fetched only after policy let the row through: a stranger's files are never copied.
    // An attachment-only row whose files all failed still reaches the agent: it is told what it missed.
    const { attachments, missingAttachments } = await this.#fetchAttachments(message);
    this.#buffer.add({ message, decision, replayed, attachments, missingAttachments });
    return "queued";
  }

  /**
   * A DM session's first turn is seeded with the chat's recent messages (`dmHistoryLimit`, per sender
   * `dms["<handle>"].historyLimit`; 0 = off), once per session: state.db remembers which were seeded.
   */
  async #dmSeed(rows: PendingRow[], decision: DispatchDecision, chat: ChatAddress): Promise<HistoryEntry[]> {
    const { account, state, imsg } = this.#options;
    const override = Object.entries(account.dms).find(
      ([handle]) => normalizeHandle(handle, account.phoneRegion) === decision.sender,
    )?.[1]?.historyLimit;
    const limit = override ?? account.dmHistoryLimit;
    const seededKey = `dm-history-seeded:${account.accountId}:${decision.sessionKey}`;
    if (limit <= 0 || state.meta.getMeta(seededKey) !== undefined) return [];
    const current = new Set(rows.map((row) => row.message.guid));
    const recent = await imsg.recentMessages(chat, limit + rows.length);
    state.meta.setMeta(seededKey, String(this.#now()));
    return recent
      .filter((message) => !current.has(message.guid) && !message.isReaction)
      .slice(0, limit)
      .reverse()
      .map((message) => historyEntryOf(message, account.phoneRegion));
  }

  /** Why a tapback from an allowed sender does not become an event turn, if it does not. */
  async #reactionSkipped(
    message: ImsgMessage,
    decision: DispatchDecision,
  ): Promise<{ reason: string; detail: string } | undefined> {
    const { account, imsg, agentFor } = this.#options;
    if (!agentFor(decision.agentId).acceptsEvents) {
      this.#warnOnce(
        `reaction-unsupported:${decision.agentId}`,
        `tapbacks are not passed to agent ${decision.agentId}: its runtime takes no events (exec and webhook do); set reactionNotifications: "off" to stop asking`,
      );
      return { reason: "reaction-unsupported", detail: `agent ${decision.agentId} takes no events` };
    }
    if (account.reactionNotifications !== "own") return undefined;
    const own = await imsg.isOwnMessage(chatAddressOf(message, decision.isGroup), message.reactedToGuid ?? "");
    return own
      ? undefined
      : {
          reason: "reaction-not-own",
          detail: `tapback on ${message.reactedToGuid ?? "an unknown message"}, not one of ours (reactionNotifications "own")`,
        };
  }

  async #fetchAttachments(
    message: ImsgMessage,
  ): Promise<{ attachments: FetchResult["attachments"]; missingAttachments: SkippedAttachment[] }> {
    const { account, fetchAttachments, logger } = this.#options;
    if (!account.includeAttachments || !fetchAttachments || message.attachments.length === 0) {
      return { attachments: [], missingAttachments: [] };
    }
    const result = await fetchAttachments(message.attachments);
    for (const skipped of result.skipped) {
      logger.warn(
        { rowid: message.id, reason: skipped.reason },
        `attachment not passed to the agent: ${skipped.detail}`,
      );
    }
    return { attachments: result.attachments, missingAttachments: result.skipped };
  }

  async #challenge(message: ImsgMessage, sender: string): Promise<void> {
    const { account, state, imsg, logger, status } = this.#options;
    const result = state.pairing.requestPairing({
      accountId: account.accountId,
      sender,
      chatId: String(message.chatId),
    });
    if ("capped" in result) {
      this.#drop(
        message,
        "pairing-capped",
        `DM from ${sender}: too many pending pairing requests; approve or reject some first`,
        {
          level: "warn",
        },
      );
      return;
    }
    const notifiedKey = `pairing-notified:${account.accountId}:${result.code}`;
    const lastNotified = Number(state.meta.getMeta(notifiedKey) ?? 0);
    const inFlight = this.#challengesInFlight.has(notifiedKey);
    if (inFlight || (!result.created && this.#now() - lastNotified < pairingRenotifyMs)) {
      this.#drop(message, "pairing-pending", `DM from ${sender}: pairing code ${result.code} already sent`, {
        level: "info",
      });
      return;
    }
    const text = pairingReplyText(result.code, result.expiresAt, this.#now());
    this.#challengesInFlight.add(notifiedKey);
    try {
      await sendTextRemembered(imsg, state.echoes, account.accountId, chatAddressOf(message), text);
      state.meta.setMeta(notifiedKey, String(this.#now()));
      status.count("sent");
      logger.info(
        { sender, chat: message.chatId },
        `pairing code sent to ${sender}; approve with: imessage-channel pairing approve imessage ${result.code}`,
      );
      this.#drop(message, "pairing-challenge", "stranger sent a pairing code", { level: "debug" });
    } catch (error) {
      // A challenge nobody sees is a silent failure: say it loudly, keep the code listed.
      logger.error(
        { sender, err: error },
        `pairing reply to ${sender} failed: ${errorMessage(error)}; they cannot see their code: run \`imessage-channel pairing list imessage\``,
      );
      status.count("failed");
      this.#release(message);
      this.#settle(message);
    } finally {
      this.#challengesInFlight.delete(notifiedKey);
    }
  }

  async #dispatchTurn({ rows, text, entries }: TurnRows): Promise<void> {
    const first = rows[0];
    if (!first) return;
    const { queue, logger, status } = this.#options;
    const last = rows.at(-1) ?? first;
    const sessionKey = last.decision.sessionKey;
    try {
      await queue.enqueue(sessionKey, (context) => this.#runTurn(rows, text, entries ?? rows, context));
      for (const row of rows) {
        this.#commit(row.message);
        status.count(row.replayed ? "replayed" : "dispatched");
      }
      this.#clearOutbox(rows);
    } catch (error) {
      if (queue.signal.aborted) {
        this.#putBack(rows, sessionKey);
        return;
      }
      status.count("failed");
      logger.error({ session: sessionKey, err: error }, `turn failed for ${sessionKey}: ${errorMessage(error)}`);
      // A permanent failure, or an agent still down after its retry window: retrying on would wedge the chat.
      for (const row of rows) this.#commit(row.message);
      this.#clearOutbox(rows);
      await this.#sendErrorReply(first);
    }
    for (const row of rows) this.#settle(row.message);
  }

  /**
   * Shutdown cancelled the turn (its budget ran out) before it finished: nothing is committed or settled, so the
   * cursor stays before its rows, and their claims are released, so the next start dispatches each of them once.
   * A reply already recorded in the outbox stays there and is delivered then without asking the agent again.
   */
  #putBack(rows: PendingRow[], sessionKey: string): void {
    const rowids = rows.map((row) => row.message.id);
    this.#options.logger.warn(
      { session: sessionKey, rowids },
      `turn for ${sessionKey} cancelled by shutdown before it finished; row(s) ${rowids.join(", ")} are answered after the next start`,
    );
    for (const row of rows) {
      this.#release(row.message);
      this.#settleWaiters
        .get(row.message.id)
        ?.reject(new Error(`gateway shut down before the turn of row ${row.message.id} finished; replayed next start`));
      this.#settleWaiters.delete(row.message.id);
    }
  }

  async #runTurn(rows: PendingRow[], text: string, entries: PendingRow[], context: TaskContext): Promise<void> {
    const { agentFor, deliverReply, commands } = this.#options;
    const last = rows.at(-1)!;
    const decision = last.decision;
    const agent = agentFor(decision.agentId);
    const chat = chatAddressOf(last.message, decision.isGroup);

    if (rows.length === 1 && decision.isCommand && commands) {
      const answer = await commands.handle(last, agent);
      if (answer !== undefined) {
        await deliverReply(chat, { text: answer }, this.#buildTurn(rows, text), { asWritten: true });
        return;
      }
    }

    const { state, account, logger, status } = this.#options;
    // A gateway killed after the agent answered left the answer in the outbox: deliver it instead of asking (and
    // billing) the agent again; only rows it does not cover go to the agent.
    // One lookup per row: the rows the recorded answer covers, and that answer (a turn's guids share one).
    const recordings = rows.map((row) => (row.message.guid ? state.outbox.find(row.message.guid) : undefined));
    const recorded = recordings.find((recording) => recording !== undefined);
    if (recorded) {
      const answered = rows.filter((_, index) => recordings[index] !== undefined);
      const parsed = replySchema.safeParse(recorded.reply);
      if (parsed.success) {
        const turn = this.#buildTurn(answered, text);
        logger.info(
          { session: turn.sessionKey, guids: turn.coalescedMessageGuids },
          "delivering a reply recorded before a restart (the agent is not asked again; parts already sent are skipped)",
        );
        status.count("sent", await deliverReply(chat, parsed.data, turn, { maybeSentSince: recorded.recordedAt }));
        rows = rows.filter((row) => !answered.includes(row));
        if (rows.length === 0) return;
        text = rows.map((row) => row.message.text).join("\n");
      }
    }

    const history = decision.isGroup
      ? this.#groupHistory.take(chatAnchor(last.message), account.historyLimit)
      : await this.#dmSeed(rows, decision, chat);
    // Marking read waits for the first probe, so the turn's availableActions come from a verdict, not a guess.
    await this.#markRead(chat);
    const turn = this.#buildTurn(
      rows,
      text,
      entries.filter((entry) => rows.includes(entry)),
      history,
    );
    const reply = await this.#askAgent(agent, turn, rows, chat, context);
    if (isEmptyReply(reply) || !reply) return;
    if (turn.coalescedMessageGuids.length) state.outbox.record(turn.coalescedMessageGuids, account.accountId, reply);
    status.count("sent", await deliverReply(chat, reply, turn));
  }

  /**
   * Asks the agent; while it is unavailable (5xx, 408, 429, unreachable, timed out: `AgentError.retryable`) the
   * turn is retried with backoff, its rows still claimed and the session's later turns waiting behind it, until
   * `agents.retry` runs out from the first failure of the session's outage, or catchup gives up on a replayed row
   * (each attempt counts toward `maxFailureRetries`). Then, or at once for a permanent failure, it throws and the
   * turn gets the error reply. The sender is told once per outage that the agent is unavailable.
   */
  async #askAgent(
    agent: AgentRuntime,
    turn: Turn,
    rows: PendingRow[],
    chat: ChatAddress,
    context: TaskContext,
  ): Promise<Reply | undefined> {
    const { agentRetry = defaultAgentRetry, logger } = this.#options;
    const outageKey = `${turn.agentId}\u0000${turn.sessionKey}`;
    for (let attempt = 1; ; attempt++) {
      let failure: unknown;
      const stopTyping = await this.#startTyping(chat);
      try {
        const reply = await agent.run(turn, context.signal);
        this.#outages.delete(outageKey);
        return reply;
      } catch (error) {
        failure = error;
      } finally {
        await stopTyping();
      }
      if (context.signal.aborted) throw failure;
      if (!isAgentUnavailable(failure)) {
        this.#outages.delete(outageKey); // it answered, if only to refuse: it is up
        throw failure;
      }
      const outage = this.#outages.get(outageKey) ?? { since: this.#now(), notified: false };
      this.#outages.set(outageKey, outage);
      const verdict = await this.#countReplayedAttempt(rows, failure);
      const remainingMs = outage.since + agentRetry.windowMs - this.#now();
      if (verdict === "give-up" || remainingMs <= 0) throw failure;
      const delayMs = Math.min(backoffDelayMs(attempt, agentRetry, this.#options.random ?? Math.random), remainingMs);
      logger.warn(
        { session: turn.sessionKey, attempt, retryInMs: Math.round(delayMs) },
        `agent ${turn.agentId} is unavailable: ${errorMessage(failure)}; the turn is kept and retried (attempt ${attempt}; agents.retry.maxMinutes ${agentRetry.windowMs / 60_000})`,
      );
      if (!outage.notified && agentRetry.windowMs >= unavailableNoticeMinimumWindowMs) {
        outage.notified = true;
        await this.#sendGatewayText(rows.at(-1)!, agentUnavailableNotice, "agent-unavailable notice");
      }
      const wait = this.#options.sleep ?? ((ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }));
      await context.outsideSlot(() => wait(delayMs, context.signal));
    }
  }

  /**
   * Counts a failed attempt on the catchup counter of each row catchup is waiting for; "give-up" when catchup gave
   * up on any. That includes a row the live stream resumed after a restart and catchup then met as in flight: the
   * count belongs to the row, not to the path that brought it.
   */
  async #countReplayedAttempt(rows: PendingRow[], failure: unknown): Promise<"retry" | "give-up"> {
    let verdict: "retry" | "give-up" = "retry";
    for (const row of rows) {
      const attempts = this.#settleWaiters.get(row.message.id)?.attempts;
      if (attempts && (await attempts.failed(failure)) === "give-up") verdict = "give-up";
    }
    return verdict;
  }

  /** `entries`: the rows whose files the agent gets (the coalescer's cap); every row counts for ids and guids. */
  #buildTurn(rows: PendingRow[], text: string, entries: PendingRow[] = rows, history: HistoryEntry[] = []): Turn {
    const { account, state, availableActions } = this.#options;
    const last = rows.at(-1)!;
    const { message, decision } = last;
    const missing = entries.flatMap((row) =>
      (row.missingAttachments ?? []).map((skipped) => ({
        missing: skipped.reason,
        detail: skipped.detail,
        ...(skipped.filename ? { filename: skipped.filename } : {}),
      })),
    );
    const messageIds = rows
      .filter((row) => row.message.guid)
      .map((row) => ({
        short: state.replies.rememberMessage({
          accountId: account.accountId,
          chatId: row.message.chatId,
          guid: row.message.guid,
        }),
        guid: row.message.guid,
      }));
    const event = message.isReaction
      ? reactionEventOf(
          message,
          decision.sender,
          message.reactedToGuid
            ? state.replies.rememberMessage({
                accountId: account.accountId,
                chatId: message.chatId,
                guid: message.reactedToGuid,
              })
            : undefined,
        )
      : undefined;
    return {
      version: 1,
      channel: "imessage",
      accountId: account.accountId,
      agentId: decision.agentId,
      sessionKey: decision.sessionKey,
      chat: {
        id: message.chatId,
        guid: message.chatGuid || undefined,
        identifier: message.chatIdentifier || undefined,
        name: message.chatName || undefined,
        isGroup: decision.isGroup,
      },
      sender: { handle: decision.sender, name: message.senderName },
      text: event ? reactionText(event) : withPlaceholders(text, missing.length),
      attachments: [...entries.flatMap((row) => row.attachments ?? []), ...missing].slice(0, 20),
      messageIds,
      replyToGuid: message.threadOriginatorGuid ?? message.replyToGuid,
      systemPrompt: decision.systemPrompt,
      wasMentioned: rows.some((row) => row.decision.wasMentioned),
      coalescedMessageGuids: rows.map((row) => row.message.guid).filter(Boolean),
      replayed: rows.every((row) => row.replayed),
      ...(availableActions ? { availableActions: availableActions(decision.isGroup) } : {}),
      ...(history.length > 0 ? { history } : {}),
      ...(event ? { event } : {}),
    };
  }

  async #markRead(chat: ChatAddress): Promise<void> {
    const { imsg, receipts } = this.#options;
    if (!(await receipts()).markRead) return;
    const ok = await imsg.markRead(chat).catch(() => false);
    if (!ok)
      this.#warnOnce(
        "read-receipts",
        "read receipts are unavailable (the imsg private API bridge is not up); messages are not marked read",
      );
  }

  async #startTyping(chat: ChatAddress): Promise<() => Promise<void>> {
    const { imsg, receipts } = this.#options;
    if (!(await receipts()).typing) return async () => {};
    const ok = await imsg.setTyping(chat, true).catch(() => false);
    if (!ok) {
      this.#warnOnce("typing", "typing indicators are unavailable (the imsg private API bridge is not up)");
      return async () => {};
    }
    return async () => {
      await imsg.setTyping(chat, false).catch(() => false);
    };
  }

  async #sendErrorReply(row: PendingRow): Promise<void> {
    const text = this.#options.account.errorReply;
    if (!text) return;
    await this.#sendGatewayText(row, text, "error reply either");
  }

  /** The gateway's own words to the row's chat (never the agent's); a failed send is logged, not thrown. */
  async #sendGatewayText(row: PendingRow, text: string, what: string): Promise<void> {
    const { imsg, state, account, logger, status } = this.#options;
    try {
      await sendTextRemembered(
        imsg,
        state.echoes,
        account.accountId,
        chatAddressOf(row.message, row.decision.isGroup),
        text,
      );
      status.count("sent");
    } catch (error) {
      logger.error({ err: error }, `could not send the ${what}: ${errorMessage(error)}`);
    }
  }

  #drop(
    message: ImsgMessage,
    reason: string,
    detail: string,
    options: { journal?: boolean; level?: "debug" | "info" | "warn" } = {},
  ): "dropped" {
    const { status, logger } = this.#options;
    status.drop(reason);
    logger[options.level ?? "debug"]({ rowid: message.id, chat: message.chatId, reason }, `dropped: ${detail}`);
    if (options.journal !== false) this.#commit(message);
    this.#settle(message);
    return "dropped";
  }

  /**
   * The row is done. While state.db cannot be written the commit waits in the write queue and the row settles only
   * once it is on disk: a crash before then dispatches it once more (a recorded reply is delivered, not asked again).
   */
  #commit(message: ImsgMessage): void {
    const { guid, id } = message;
    if (!guid) return;
    const { state, account, logger } = this.#options;
    const written = this.#writes.run(() => state.inbound.commit(guid, { accountId: account.accountId, rowid: id }));
    if (!(written instanceof Promise)) return;
    this.#uncommitted.add(id);
    written.then(
      () => this.#committed(id),
      (error: unknown) => {
        if (notWritableReason(error) !== undefined) {
          // Shutdown came first: the row stays unsettled, so the saved cursor is before it.
          this.#uncommitted.delete(id);
          this.#settleWhenCommitted.delete(id);
          logger.warn(
            { rowid: id },
            `row ${id} finished but its commit never reached state.db; the next start dispatches it once more`,
          );
          return;
        }
        logger.error({ rowid: id, err: error }, `could not commit row ${id}: ${errorMessage(error)}`);
        this.#committed(id);
      },
    );
  }

  #committed(rowid: number): void {
    this.#uncommitted.delete(rowid);
    const waiting = this.#settleWhenCommitted.get(rowid);
    this.#settleWhenCommitted.delete(rowid);
    if (waiting) this.#settle(waiting);
  }

  #clearOutbox(rows: PendingRow[]): void {
    const guids = rows.map((row) => row.message.guid).filter(Boolean);
    if (guids.length) this.#queuedWrite(() => this.#options.state.outbox.clear(guids), "clear the reply outbox");
  }

  #release(message: ImsgMessage): void {
    const guid = message.guid;
    if (guid) this.#queuedWrite(() => this.#options.state.inbound.release(guid), `release row ${message.id}`);
  }

  /** A write nobody waits for: it goes through the write queue; one that never reaches state.db is logged. */
  #queuedWrite(write: () => void, what: string): void {
    const written = this.#writes.run(write);
    if (written instanceof Promise) {
      written.catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, `could not ${what}: ${errorMessage(error)}`),
      );
    }
  }

  #settle(message: ImsgMessage): void {
    // Its commit still waits for state.db: the cursor must not pass the row before the commit is on disk.
    if (this.#uncommitted.has(message.id)) {
      this.#settleWhenCommitted.set(message.id, message);
      return;
    }
    this.#settleWaiters.get(message.id)?.resolve();
    this.#settleWaiters.delete(message.id);
    this.#cursor.settle(message.id);
  }

  #warnOnce(key: string, message: string): void {
    if (this.#warnedOnce.has(key)) return;
    this.#warnedOnce.add(key);
    this.#options.logger.warn({}, message);
  }
}

/** Where a group's history is kept: its `chat_id`, else its guid or identifier (policy's group anchor). */
function chatAnchor(message: ImsgMessage): string {
  if (message.chatId > 0) return `chat_id:${message.chatId}`;
  return message.chatGuid ? `chat_guid:${message.chatGuid}` : `chat_identifier:${message.chatIdentifier}`;
}

function historyEntryOf(message: ImsgMessage, region: string): HistoryEntry {
  return {
    sender: message.isFromMe ? "me" : normalizeHandle(message.sender, region) || message.sender,
    text: message.text.replace(/\uFFFC/g, "").trim(),
    createdAt: message.createdAt,
    guid: message.guid,
    ...(message.isFromMe ? { fromMe: true } : {}),
  };
}

/** The turn's text without U+FFFC, plus one placeholder per attachment the agent could not get. */
function withPlaceholders(text: string, missing: number): string {
  const placeholders = Array.from({ length: missing }, () => missingAttachmentPlaceholder);
  return [text.replace(/\uFFFC/g, "").trim(), ...placeholders].filter(Boolean).join(" ");
}

/** Where the row came from; `isGroup` is policy's verdict when there is one (a multi-person thread with is_group=false is a group). */
export function chatAddressOf(message: ImsgMessage, isGroup = message.isGroup): ChatAddress {
  return {
    chatId: message.chatId,
    chatGuid: message.chatGuid || undefined,
    chatIdentifier: message.chatIdentifier || undefined,
    handle: isGroup ? undefined : message.sender,
    isGroup,
  };
}

/** A row sent from our own handle (a chat with ourselves streams each send back as an incoming row too). */
function sentFromOwnHandle(message: ImsgMessage, region: string): boolean {
  if (!message.destinationCallerId || !message.sender) return false;
  return normalizeHandle(message.sender, region) === normalizeHandle(message.destinationCallerId, region);
}
