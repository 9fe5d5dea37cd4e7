import type { Reply, Turn } from "@imessage-channel/agents";
import type { ResolvedAccount } from "@imessage-channel/config";
import type { Logger } from "@imessage-channel/kit";
import { errorMessage } from "@imessage-channel/kit";
import { fileSendCall, type ImsgCall, planTextSends, stageMedia } from "@imessage-channel/outbound";
import type { StateStore } from "@imessage-channel/state";
import type { ChatAddress, ImsgPort } from "./imsg-port.ts";
import { isOutboundRefusal, type OutboundMedia } from "./outbound-media.ts";
import type { ReplyDeliverer } from "./pipeline-types.ts";
import { sendRemembered } from "./remembered-send.ts";

export interface ReplyDelivererOptions {
  account: ResolvedAccount;
  state: StateStore;
  imsg: ImsgPort;
  logger: Logger;
  /** Checks and stages reply files: only from the turn's agent's staging folder and `outboundMediaRoots`. */
  media: OutboundMedia;
  /** Counts refusals (`outbound-refused`). */
  status?: { drop(reason: string): void };
  /** Runs a reply's `actions` (react, edit, …); absent: actions are logged and skipped. */
  runActions?: (chat: ChatAddress, actions: NonNullable<Reply["actions"]>, turn: Turn) => Promise<number>;
}

/**
 * Sends an agent reply as one delivery (outbound's `createMessageSender`): markdown → plain text (the gateway's
 * own texts go `asWritten`), chunked per `textChunkLimit`/`chunkMode` (`planTextSends`), each chunk once, then
 * media (size-checked, files only from allowed folders, `stageMedia`), then actions. Each send is one echo-cache
 * entry (`sendRemembered`). Returns how many messages went out.
 */
export function createReplyDeliverer(options: ReplyDelivererOptions): ReplyDeliverer {
  const { account, state, imsg, logger } = options;

  return async (chat, reply, turn, { maybeSentSince, asWritten } = {}) => {
    let sent = 0;
    const delivery = imsg.delivery(chat, maybeSentSince === undefined ? {} : { maybeSentSince });
    const send = (call: ImsgCall) => sendRemembered(delivery, state.echoes, account.accountId, chat, call);
    const texts = planTextSends(reply.text ?? "", {
      target: delivery.target,
      textChunkLimit: account.textChunkLimit,
      chunkMode: account.chunkMode,
      asWritten,
    });
    for (const call of texts) {
      await send(call);
      sent++;
    }
    const media = options.media.forAgent(turn.agentId);
    for (const attachment of reply.attachments ?? []) {
      try {
        await send(fileSendCall(delivery.target, await stageMedia(attachment, media)));
        sent++;
      } catch (error) {
        if (isOutboundRefusal(error)) {
          options.status?.drop("outbound-refused");
          logger.warn({ session: turn.sessionKey, agent: turn.agentId }, `reply attachment refused: ${error.message}`);
        } else
          logger.warn({ err: error, session: turn.sessionKey }, `reply attachment not sent: ${errorMessage(error)}`);
      }
    }
    if (reply.actions?.length) {
      if (options.runActions) sent += await options.runActions(chat, reply.actions, turn);
      else
        logger.warn(
          { session: turn.sessionKey },
          `reply had ${reply.actions.length} action(s); actions are not enabled yet`,
        );
    }
    return sent;
  };
}
