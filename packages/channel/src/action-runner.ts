import type { Reply } from "@imessage-channel/agents";
import type { ResolvedAccount } from "@imessage-channel/config";
import type { Logger } from "@imessage-channel/kit";
import { errorMessage } from "@imessage-channel/kit";
import {
  type ActionExecutor,
  type ActionRequest,
  type BridgeCapability,
  createActionExecutor,
  type ImsgCallFunction,
  sendParamsForChat,
} from "@imessage-channel/outbound";
import type { NegotiatedProtocol } from "@imessage-channel/rpc-client";
import type { StateStore } from "@imessage-channel/state";
import type { ChatAddress } from "./imsg-port.ts";
import { isOutboundRefusal, type OutboundMedia } from "./outbound-media.ts";
import type { ActionOutcome, ActionTurn } from "./outbox.ts";

export interface ActionRunnerOptions {
  account: ResolvedAccount;
  state: StateStore;
  logger: Logger;
  /** A raw JSON-RPC request on the account's one imsg connection. */
  call: ImsgCallFunction;
  /** The account's bridge verdict: actions read it, probe it again when it is not "up", and report a gone bridge. */
  bridge: BridgeCapability;
  /** What the current imsg connection negotiated (the supervisor's `protocol`): whether a tapback may be any emoji. */
  protocol?: () => NegotiatedProtocol | undefined;
  /** Checks and stages files of `upload-file` / `setGroupIcon`, per agent (see `createOutboundMedia`). */
  media: OutboundMedia;
  /** `agents.list[].allowCrossChat`: whether the agent's actions may name another chat or handle. */
  allowCrossChat: (agentId: string) => boolean;
  /** Counts refusals (`outbound-refused`). */
  status?: { drop(reason: string): void };
}

/**
 * Runs a reply's `actions` (react, reply, sendWithEffect, edit, unsend, upload-file, group ops) through the outbound
 * executor: per-method gating by `actions.*` and the cached probe, short message ids resolved in this chat only,
 * targets other than the turn's own conversation refused unless the agent has `allowCrossChat`, files only from
 * the agent's allowed folders. A refusal is logged with its fix and counted; a failed action is logged and
 * reported as not done (its outbox part is `failed`); the rest of the reply still goes out.
 */
export function createActionRunner(options: ActionRunnerOptions) {
  const { account, state, logger } = options;
  // One executor per agent: each stages files against its own agent's folders.
  const executors = new Map<string, ActionExecutor>();
  const executorFor = (agentId: string): ActionExecutor => {
    const known = executors.get(agentId);
    if (known) return known;
    const executor = createActionExecutor({
      call: options.call,
      flags: account.actions,
      ...options.bridge.forActions(),
      region: account.phoneRegion,
      ...(options.protocol ? { protocol: options.protocol } : {}),
      messageGuid: (shortId, chat) => {
        if (!("chat_id" in chat)) return undefined;
        try {
          return state.replies.resolveShortId({ accountId: account.accountId, chatId: chat.chat_id, shortId });
        } catch {
          return undefined;
        }
      },
      media: options.media.forAgent(agentId),
    });
    executors.set(agentId, executor);
    return executor;
  };

  return async (
    chat: ChatAddress,
    action: NonNullable<Reply["actions"]>[number],
    turn: ActionTurn,
  ): Promise<ActionOutcome> => {
    const executor = executorFor(turn.agentId);
    try {
      const outcome = await executor.execute(action as ActionRequest, {
        chat: sendParamsForChat(chat),
        isGroup: chat.isGroup,
        conversation: chat,
        allowCrossChat: options.allowCrossChat(turn.agentId),
      });
      logger.info(
        { session: turn.sessionKey, action: outcome.action, method: outcome.method, fallback: outcome.fallback },
        `action ${outcome.action} done${outcome.fallback ? " (as a plain send: no private API bridge)" : ""}`,
      );
      return { done: true };
    } catch (error) {
      if (isOutboundRefusal(error)) {
        options.status?.drop("outbound-refused");
        logger.warn(
          { session: turn.sessionKey, action: action.action, agent: turn.agentId },
          `action ${action.action} refused (agent "${turn.agentId}"): ${error.message}`,
        );
        return { done: false, reason: `refused: ${error.message}` };
      }
      logger.warn(
        { session: turn.sessionKey, action: action.action },
        `action ${action.action} not done: ${errorMessage(error)}`,
      );
      return { done: false, reason: errorMessage(error) };
    }
  };
}
