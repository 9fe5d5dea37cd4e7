import { randomUUID } from "node:crypto";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ResolvedAccount } from "@imessage-channel/config";
import { chunkText, markdownToPlainText, planMedia } from "@imessage-channel/outbound";
import type { StateStore } from "@imessage-channel/state";
import type { Reply, Turn } from "../agents/turn.ts";
import type { Logger } from "../logger.ts";
import { type ChatAddress, chatKeys, type ImsgPort } from "./imsg-port.ts";
import type { ReplyDeliverer } from "./inbound-pipeline.ts";

export interface ReplyDelivererOptions {
  account: ResolvedAccount;
  state: StateStore;
  imsg: ImsgPort;
  logger: Logger;
  /** Where base64 attachments from agents are written before sending (`<stateDir>/media/outbound`). */
  outboundMediaDir: string;
  /** Runs a reply's `actions` (react, edit, …); absent: actions are logged and skipped. */
  runActions?: (chat: ChatAddress, actions: NonNullable<Reply["actions"]>, turn: Turn) => Promise<number>;
}

/**
 * Sends an agent reply: markdown → plain text, chunked per `textChunkLimit`/`chunkMode`, each chunk once, then
 * media (size-checked before sending), then actions. Each send is recorded in the echo cache first-thing after it
 * succeeded. Returns how many messages went out.
 */
export function createReplyDeliverer(options: ReplyDelivererOptions): ReplyDeliverer {
  const { account, state, imsg, logger } = options;
  const remember = (chat: ChatAddress, text: string, guid: string | undefined) =>
    state.echoes.recordSent({ accountId: account.accountId, chatKeys: chatKeys(chat), text, guid });

  return async (chat, reply, turn, { maybeSentSince } = {}) => {
    let sent = 0;
    const text = reply.text ? markdownToPlainText(reply.text) : "";
    for (const chunk of text.trim()
      ? chunkText(text, { limit: account.textChunkLimit, mode: account.chunkMode })
      : []) {
      // Recorded before the send too: imsg can stream our row back before the send call returns.
      remember(chat, chunk, undefined);
      const outcome = await imsg.send({ chat, text: chunk, maybeSentSince });
      if (outcome.guid) remember(chat, chunk, outcome.guid);
      sent++;
    }
    for (const attachment of reply.attachments ?? []) {
      try {
        const plan = await planMedia(attachment, {
          mediaMaxBytes: account.mediaMaxBytes,
          sizeOfPath: async (path) => (await stat(path)).size,
        });
        let file: string;
        if (plan.kind === "buffer") {
          const dir = join(options.outboundMediaDir, randomUUID());
          await mkdir(dir, { recursive: true, mode: 0o700 });
          file = join(dir, plan.filename);
          await writeFile(file, plan.data, { mode: 0o600 });
        } else file = plan.path;
        const outcome = await imsg.send({ chat, file, maybeSentSince });
        remember(chat, "\uFFFC", outcome.guid);
        sent++;
      } catch (error) {
        logger.warn({ err: error, session: turn.sessionKey }, `reply attachment not sent: ${(error as Error).message}`);
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
