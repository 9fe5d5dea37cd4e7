import type { AgentRuntime } from "@imessage-channel/agents";
import { type FetchResult, isAttachmentOnlyText, type SkippedAttachment } from "@imessage-channel/attachments";
import { UrlPreviewMemory } from "@imessage-channel/coalescer";
import type { ResolvedAccount, ResolvedRouting } from "@imessage-channel/config";
import type { Logger } from "@imessage-channel/kit";
import { type DispatchDecision, evaluateInbound } from "@imessage-channel/policy";
import type { StateStore } from "@imessage-channel/state";
import { chatAnchor, type GroupHistory, historyEntryOf } from "./group-history.ts";
import { chatAddressOf, type ImsgMessage, type ImsgPort } from "./imsg-port.ts";
import type { PendingRow } from "./pipeline-types.ts";

export interface RowTriageOptions {
  account: ResolvedAccount;
  routing: ResolvedRouting;
  state: StateStore;
  imsg: ImsgPort;
  logger: Logger;
  agentFor: (agentId: string) => AgentRuntime;
  /** Where mention-gated group messages wait for the agent's next turn in their chat. */
  groupHistory: GroupHistory;
  warnOnce: (key: string, message: string) => void;
  /** A conversation bound to an ACP session (`/acp spawn … --bind here`) routes there instead. */
  routeOverride?: (decision: DispatchDecision) => { agentId: string; sessionKey: string } | undefined;
  /** Fetches a dispatched row's attachments (includeAttachments on); never rejects for a file problem. */
  fetchAttachments?: (attachments: ImsgMessage["attachments"]) => Promise<FetchResult>;
}

/** What becomes of a claimed row: a turn's row, a drop (journaled), or a pairing challenge to its sender. */
export type TriageDecision =
  | { kind: "queue"; row: PendingRow }
  | { kind: "drop"; reason: string; detail: string; level: "debug" | "info" }
  | { kind: "pairing-challenge"; sender: string };

/**
 * The attachments gate, the chat's service, policy (with a bound ACP session's route), tapback gating and the
 * attachments of a row policy let through: one claimed row in, a decision out.
 */
export class RowTriage {
  readonly #options: RowTriageOptions;
  /** Link previews already delivered inside a text row (docs/imsg-protocol.md#watch-on-010), whatever the coalescer does. */
  readonly #previews = new UrlPreviewMemory();

  constructor(options: RowTriageOptions) {
    this.#options = options;
  }

  async triage(message: ImsgMessage, replayed: boolean): Promise<TriageDecision> {
    const { account, routing, state, logger, imsg, groupHistory } = this.#options;
    // imsg 0.11.1+ folds a link send into one row; its preview row must not become a second turn when it streams
    // again on its own (a resume between the two rows) or late (after imsg's 2 s hold) with a URL the text has.
    const repeat = this.#previews.repeatOf(message);
    if (repeat !== undefined) {
      return {
        kind: "drop",
        reason: "url-preview-repeat",
        detail: `${repeat}; the link already reached the agent`,
        level: "info",
      };
    }
    this.#previews.observe(message);
    // A tapback's text ("Loved “hi”", or "") is not a message with attachments.
    const attachmentOnly = !message.isReaction && isAttachmentOnlyText(message.text);
    if (attachmentOnly && !account.includeAttachments) {
      return {
        kind: "drop",
        reason: "attachment-only",
        detail: "attachment-only row and includeAttachments is off",
        level: "debug",
      };
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
        groupHistory.record(chatAnchor(message), historyEntryOf(message, account.phoneRegion), account.historyLimit);
      }
      return { kind: "drop", reason: decision.reason, detail: decision.detail, level: "info" };
    }
    if (decision.kind === "pairing-challenge") return { kind: "pairing-challenge", sender: decision.sender };
    if (message.isReaction) {
      const skipped = await this.#reactionSkipped(message, decision);
      if (skipped) return { kind: "drop", ...skipped, level: "debug" };
      return { kind: "queue", row: { message, decision, replayed, attachments: [], missingAttachments: [] } };
    }
    if (decision.mentionGating === "unenforceable") {
      this.#options.warnOnce(
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
    return { kind: "queue", row: { message, decision, replayed, attachments, missingAttachments } };
  }

  /** Why a tapback from an allowed sender does not become an event turn, if it does not. */
  async #reactionSkipped(
    message: ImsgMessage,
    decision: DispatchDecision,
  ): Promise<{ reason: string; detail: string } | undefined> {
    const { account, imsg, agentFor } = this.#options;
    if (!agentFor(decision.agentId).acceptsEvents) {
      this.#options.warnOnce(
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
}
