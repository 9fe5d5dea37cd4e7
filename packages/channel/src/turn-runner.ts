import { setTimeout as sleep } from "node:timers/promises";
import {
  AgentError,
  type AgentRuntime,
  type HistoryEntry,
  isAgentUnavailable,
  isEmptyReply,
  type Reply,
  replySchema,
  type Turn,
} from "@imessage-channel/agents";
import type { ResolvedAccount } from "@imessage-channel/config";
import { backoffDelay, errorMessage, type Logger } from "@imessage-channel/kit";
import { type DispatchDecision, normalizeHandle } from "@imessage-channel/policy";
import type { StateStore } from "@imessage-channel/state";
import type { AccountStatusReporter } from "./account-status.ts";
import type { ChannelEventSink } from "./channel-events.ts";
import { chatAnchor, type GroupHistory, historyEntryOf } from "./group-history.ts";
import { type ChatAddress, chatAddressOf, type ImsgPort } from "./imsg-port.ts";
import type { DeliverOptions, OutboxPort } from "./outbox.ts";
import type { AgentRetry, ChatCommandHandler, PendingRow, TurnRows } from "./pipeline-types.ts";
import type { RowSettlement } from "./row-settlement.ts";
import type { SessionQueue, TaskContext } from "./session-queue.ts";
import { buildTurn } from "./turn-builder.ts";
import { createWarnOnce } from "./warn-once.ts";

export interface TurnRunnerOptions {
  account: ResolvedAccount;
  state: StateStore;
  imsg: ImsgPort;
  logger: Logger;
  status: AccountStatusReporter;
  queue: SessionQueue;
  settlement: RowSettlement;
  /** The group messages mention gating kept: the chat's next turn takes them. */
  groupHistory: GroupHistory;
  agentFor: (agentId: string) => AgentRuntime;
  /** Every message goes out through the account's outbox (docs/exactly-once.md). */
  outbox: OutboxPort;
  commands?: ChatCommandHandler;
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
  /** Told when a turn starts in its session's queue, and when a reply for it went out. */
  onEvent?: ChannelEventSink;
}

const defaultAgentRetry: AgentRetry = { windowMs: 10 * 60_000, initialDelayMs: 2000, maxDelayMs: 60_000 };
/** A retry window at least this long is worth telling the sender about: otherwise the answer (or apology) is near. */
const unavailableNoticeMinimumWindowMs = 60_000;
/** Sent once per outage of a session's agent while its turn is kept and retried. */
export const agentUnavailableNotice =
  "The assistant is unavailable right now. Your message is kept and will be answered as soon as it is back.";

/**
 * One turn, in its session's queue: a reply recorded in the outbox before a restart is delivered instead of asking
 * again; otherwise read receipt, the agent (retried through an outage), the outbox, delivery. Then its rows are
 * committed and settled, or — shutdown cancelled it — put back for the next start.
 */
export class TurnRunner {
  readonly #options: TurnRunnerOptions;
  readonly #now: () => number;
  readonly #warnOnce: (key: string, message: string) => void;
  /** Per agent and session, the outage its turns are being retried through: since when, and whether the sender was told. */
  readonly #outages = new Map<string, { since: number; notified: boolean }>();

  constructor(options: TurnRunnerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#warnOnce = createWarnOnce(options.logger);
  }

  /** The turn buffer's sink: runs the turn in its session's queue, then commits and settles its rows. */
  async dispatch({ rows, text, entries }: TurnRows): Promise<void> {
    const first = rows[0];
    if (!first) return;
    const { queue, logger, status, settlement } = this.#options;
    const last = rows.at(-1) ?? first;
    const sessionKey = last.decision.sessionKey;
    try {
      await queue.enqueue(sessionKey, (context) => {
        this.#options.onEvent?.("turn", {
          accountId: this.#options.account.accountId,
          sessionKey,
          guids: rows.map((row) => row.message.guid).filter(Boolean),
          replayed: rows.every((row) => row.replayed),
        });
        return this.#runTurn(rows, text, entries ?? rows, context);
      });
      for (const row of rows) {
        settlement.commit(row.message);
        status.count(row.replayed ? "replayed" : "dispatched");
      }
      settlement.clearOutbox(rows);
    } catch (error) {
      if (queue.signal.aborted) {
        this.#putBack(rows, sessionKey);
        return;
      }
      status.count("failed");
      // An agent's own failure (a 4xx, a bad reply, an outage past its retry window) is expected: one line, and the
      // stack only at debug. Anything else is a bug of ours and keeps its stack.
      if (AgentError.isInstance(error)) {
        logger.error(
          { session: sessionKey, code: error.code },
          `turn failed for ${sessionKey}: ${errorMessage(error)}`,
        );
        logger.debug({ session: sessionKey, err: error }, "the agent failure's stack");
      } else {
        logger.error({ session: sessionKey, err: error }, `turn failed for ${sessionKey}: ${errorMessage(error)}`);
      }
      // A permanent failure, or an agent still down after its retry window: retrying on would wedge the chat.
      for (const row of rows) settlement.commit(row.message);
      settlement.clearOutbox(rows);
      await this.#sendErrorReply(first);
    }
    for (const row of rows) settlement.settle(row.message);
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
    for (const row of rows) this.#options.settlement.putBack(row.message);
  }

  async #runTurn(rows: PendingRow[], text: string, entries: PendingRow[], context: TaskContext): Promise<void> {
    const { agentFor, commands } = this.#options;
    const startedAt = this.#now();
    const deliverReply = (chat: ChatAddress, reply: Reply, turn: Turn, options: DeliverOptions) =>
      this.#deliver(chat, reply, turn, options, startedAt);
    const last = rows.at(-1)!;
    const decision = last.decision;
    const agent = agentFor(decision.agentId);
    const chat = chatAddressOf(last.message, decision.isGroup);

    if (rows.length === 1 && decision.isCommand && commands) {
      const answer = await commands.handle(last, agent);
      if (answer !== undefined) {
        const turn = await this.#written(() => buildTurn(this.#options, rows, text));
        await deliverReply(chat, { text: answer }, turn, {
          deliveryId: `command:${deliveryKeyOf(rows)}`,
          origin: "command",
          asWritten: true,
        });
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
        const turn = await this.#written(() => buildTurn(this.#options, answered, text));
        logger.info(
          { session: turn.sessionKey, guids: turn.coalescedMessageGuids },
          "delivering a reply recorded before a restart (the agent is not asked again; parts already sent are skipped)",
        );
        // A reply recorded by a build before outbound parts has no delivery id: any of it may have gone out.
        const resumed: DeliverOptions = recorded.deliveryId
          ? { deliveryId: recorded.deliveryId, origin: "reply" }
          : { deliveryId: `reply:${deliveryKeyOf(answered)}`, origin: "reply", maybeSentSince: recorded.recordedAt };
        status.count("sent", await deliverReply(chat, parsed.data, turn, resumed));
        rows = rows.filter((row) => !answered.includes(row));
        if (rows.length === 0) return;
        text = rows.map((row) => row.message.text).join("\n");
      }
    }

    const history = decision.isGroup
      ? this.#options.groupHistory.take(chatAnchor(last.message), account.historyLimit)
      : await this.#dmSeed(rows, decision, chat);
    // Marking read waits for the first probe, so the turn's availableActions come from a verdict, not a guess.
    await this.#markRead(chat);
    // Building a turn writes short ids to state.db: while it cannot be written (locked, full) the turn waits for
    // it, as its rows' claims do, instead of failing and committing rows the agent never saw.
    const turn = await this.#written(() =>
      buildTurn(
        this.#options,
        rows,
        text,
        entries.filter((entry) => rows.includes(entry)),
        history,
      ),
    );
    const reply = await this.#askAgent(agent, turn, rows, chat, context);
    if (isEmptyReply(reply) || !reply) return;
    const guids = turn.coalescedMessageGuids;
    const deliveryId = `reply:${deliveryKeyOf(rows)}`;
    if (guids.length) await this.#written(() => state.outbox.record(guids, account.accountId, reply, deliveryId));
    status.count("sent", await deliverReply(chat, reply, turn, { deliveryId, origin: "reply" }));
  }

  /** A state.db write of the turn's, through the account's write queue: it waits while state.db cannot be written. */
  async #written<T>(write: () => T): Promise<T> {
    return await this.#options.settlement.writes.run(write);
  }

  /**
   * Delivers a reply through the outbox and announces it, with one log line: `replied to chat_id:7 (2 parts, 0.4 s)`,
   * the time counted from the turn's start (after any coalescing window) to its last part sent. Resolves to the
   * number of messages sent.
   */
  async #deliver(
    chat: ChatAddress,
    reply: Reply,
    turn: Turn,
    options: DeliverOptions,
    startedAt: number,
  ): Promise<number> {
    const messages = (await this.#options.outbox.deliver(chat, reply, turn, options)).sent;
    if (messages > 0) {
      const { accountId, sessionKey, coalescedMessageGuids: guids } = turn;
      const tookMs = this.#now() - startedAt;
      this.#options.logger.info(
        { session: sessionKey, parts: messages, tookMs },
        `replied to ${chatLabel(chat)} (${messages} ${messages === 1 ? "part" : "parts"}, ${(tookMs / 1000).toFixed(1)} s)`,
      );
      this.#options.onEvent?.("reply", { accountId, sessionKey, guids, messages });
    }
    return messages;
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
      const policy = {
        initialMs: agentRetry.initialDelayMs,
        maxMs: agentRetry.maxDelayMs,
        jitter: "proportional",
      } as const;
      const delayMs = Math.min(backoffDelay(attempt, policy, this.#options.random ?? Math.random), remainingMs);
      logger.warn(
        { session: turn.sessionKey, attempt, retryInMs: Math.round(delayMs) },
        `agent ${turn.agentId} is unavailable: ${errorMessage(failure)}; the turn is kept and retried (attempt ${attempt}, next in ${(delayMs / 1000).toFixed(1)} s; agents.retry.maxMinutes ${agentRetry.windowMs / 60_000})`,
      );
      if (!outage.notified && agentRetry.windowMs >= unavailableNoticeMinimumWindowMs) {
        outage.notified = true;
        await this.#sendGatewayText(rows.at(-1)!, agentUnavailableNotice, "agent-unavailable notice", {
          id: `notice:${deliveryKeyOf(rows)}:${outage.since}`,
          origin: "notice",
        });
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
      const attempts = this.#options.settlement.attemptsOf(row.message.id);
      if (attempts && (await attempts.failed(failure)) === "give-up") verdict = "give-up";
    }
    return verdict;
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
    await this.#sendGatewayText(row, text, "error reply either", {
      id: `error:${deliveryKeyOf([row])}`,
      origin: "error",
    });
  }

  /** The gateway's own words to the row's chat (never the agent's), through the outbox; a failure is logged. */
  async #sendGatewayText(
    row: PendingRow,
    text: string,
    what: string,
    delivery: Parameters<OutboxPort["sendText"]>[2],
  ): Promise<void> {
    const { outbox, logger, status } = this.#options;
    try {
      const outcome = await outbox.sendText(chatAddressOf(row.message, row.decision.isGroup), text, delivery);
      if (outcome.sent > 0) status.count("sent", outcome.sent);
    } catch (error) {
      logger.error({ err: error }, `could not send the ${what}: ${errorMessage(error)}`);
    }
  }
}

/** `chat_id:7` (the target `imessage-channel send` takes), else the DM's handle (masked by the logger). */
function chatLabel(chat: ChatAddress): string {
  if (chat.chatId > 0) return `chat_id:${chat.chatId}`;
  return chat.handle ?? chat.chatIdentifier ?? "the chat";
}

/**
 * What a turn's deliveries are named by (docs/exactly-once.md, Identity): its first row's guid, the same when the
 * turn is replayed after a restart; a row without a guid (never seen in practice) by its ROWID.
 */
function deliveryKeyOf(rows: readonly PendingRow[]): string {
  const first = rows[0]?.message;
  return first?.guid || `row-${first?.id ?? 0}`;
}
