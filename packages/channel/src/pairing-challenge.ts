import type { ResolvedAccount } from "@imessage-channel/config";
import { errorMessage, type Logger } from "@imessage-channel/kit";
import type { StateStore } from "@imessage-channel/state";
import type { AccountStatusReporter } from "./account-status.ts";
import { chatAddressOf, type ImsgMessage } from "./imsg-port.ts";
import type { OutboxPort } from "./outbox.ts";
import { pairingReplyText } from "./pairing-reply.ts";
import type { RowSettlement } from "./row-settlement.ts";

const pairingRenotifyMs = 10 * 60 * 1000;

export interface PairingChallengeOptions {
  account: ResolvedAccount;
  state: StateStore;
  /** The pairing code is an outbound part like any other: planned, sent once, reported when it cannot be. */
  outbox: OutboxPort;
  logger: Logger;
  status: AccountStatusReporter;
  settlement: RowSettlement;
  now: () => number;
}

/**
 * A stranger's DM under `dmPolicy: "pairing"`: a pairing request in state.db and its code sent back, at most once
 * per ten minutes per code. The row settles either way; a challenge that could not be sent gives its claim back.
 */
export class PairingChallenge {
  readonly #options: PairingChallengeOptions;
  /** Pairing codes whose challenge is being sent: a burst of DMs from one stranger gets one challenge, not one each. */
  readonly #inFlight = new Set<string>();

  constructor(options: PairingChallengeOptions) {
    this.#options = options;
  }

  async challenge(message: ImsgMessage, sender: string): Promise<void> {
    const { account, state, outbox, logger, status, settlement, now } = this.#options;
    const result = state.pairing.requestPairing({
      accountId: account.accountId,
      sender,
      chatId: String(message.chatId),
    });
    if ("capped" in result) {
      settlement.drop(
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
    const inFlight = this.#inFlight.has(notifiedKey);
    if (inFlight || (!result.created && now() - lastNotified < pairingRenotifyMs)) {
      settlement.drop(message, "pairing-pending", `DM from ${sender}: pairing code ${result.code} already sent`, {
        level: "info",
      });
      return;
    }
    const text = pairingReplyText(result.code, result.expiresAt, now());
    this.#inFlight.add(notifiedKey);
    try {
      // Named by the stranger's row: replayed after a crash, it resumes this delivery instead of sending another.
      const outcome = await outbox.sendText(chatAddressOf(message), text, {
        id: `pairing:${message.guid || `row-${message.id}`}`,
        origin: "pairing",
      });
      state.meta.setMeta(notifiedKey, String(now()));
      if (outcome.sent > 0) status.count("sent", outcome.sent);
      const how =
        outcome.kept > 0
          ? `pairing code for ${sender} kept in the outbox until imsg is back`
          : outcome.unknown > 0
            ? `pairing code for ${sender} not confirmed (see the outbox warning)`
            : `pairing code sent to ${sender}`;
      logger.info(
        { sender, chat: message.chatId },
        `${how}; approve with: imessage-channel pairing approve imessage ${result.code}`,
      );
      settlement.drop(message, "pairing-challenge", "stranger sent a pairing code", { level: "debug" });
    } catch (error) {
      // A challenge nobody sees is a silent failure: say it loudly, keep the code listed.
      logger.error(
        { sender, err: error },
        `pairing reply to ${sender} failed: ${errorMessage(error)}; they cannot see their code: run \`imessage-channel pairing list imessage\``,
      );
      status.count("failed");
      settlement.release(message);
      settlement.settle(message);
    } finally {
      this.#inFlight.delete(notifiedKey);
    }
  }
}
