import { randomUUID } from "node:crypto";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ResolvedAccount } from "@imessage-channel/config";
import {
  type ActionRequest,
  type CapabilitySnapshot,
  createActionExecutor,
  type ImsgCallFunction,
  sendParamsForChat,
} from "@imessage-channel/outbound";
import type { StateStore } from "@imessage-channel/state";
import type { Reply, Turn } from "../agents/turn.ts";
import type { Logger } from "../logger.ts";
import type { ChatAddress } from "./imsg-port.ts";

export interface ActionRunnerOptions {
  account: ResolvedAccount;
  state: StateStore;
  logger: Logger;
  /** A raw JSON-RPC request on the account's one imsg connection. */
  call: ImsgCallFunction;
  capability: () => CapabilitySnapshot;
  probe: () => Promise<CapabilitySnapshot>;
  markStale: () => void;
  /** Where base64 files from agents are written before imsg sends them. */
  outboundMediaDir: string;
}

/**
 * Runs a reply's `actions` (react, reply, sendWithEffect, edit, unsend, upload-file, group ops) through the outbound
 * executor: per-method gating by `actions.*` and the cached probe, short message ids resolved in this chat only.
 * A failed action is logged and skipped; the rest of the reply still goes out. Returns how many actions ran.
 */
export function createActionRunner(options: ActionRunnerOptions) {
  const { account, state, logger } = options;
  const executor = createActionExecutor({
    call: options.call,
    flags: account.actions,
    capability: options.capability,
    probe: options.probe,
    markStale: options.markStale,
    region: account.phoneRegion,
    messageGuid: (shortId, chat) => {
      if (!("chat_id" in chat)) return undefined;
      try {
        return state.replies.resolveShortId({ accountId: account.accountId, chatId: chat.chat_id, shortId });
      } catch {
        return undefined;
      }
    },
    media: {
      mediaMaxBytes: account.mediaMaxBytes,
      sizeOfPath: async (path) => (await stat(path)).size,
      async stage(plan) {
        if (plan.kind === "path") return plan.path;
        const dir = join(options.outboundMediaDir, randomUUID());
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const file = join(dir, plan.filename);
        await writeFile(file, plan.data, { mode: 0o600 });
        return file;
      },
    },
  });

  return async (chat: ChatAddress, actions: NonNullable<Reply["actions"]>, turn: Turn): Promise<number> => {
    let ran = 0;
    for (const action of actions) {
      try {
        const outcome = await executor.execute(action as ActionRequest, {
          chat: sendParamsForChat(chat),
          isGroup: chat.isGroup,
        });
        ran++;
        logger.info(
          { session: turn.sessionKey, action: outcome.action, method: outcome.method, fallback: outcome.fallback },
          `action ${outcome.action} done${outcome.fallback ? " (as a plain send: no private API bridge)" : ""}`,
        );
      } catch (error) {
        logger.warn(
          { session: turn.sessionKey, action: action.action },
          `action ${action.action} not done: ${(error as Error).message}`,
        );
      }
    }
    return ran;
  };
}
