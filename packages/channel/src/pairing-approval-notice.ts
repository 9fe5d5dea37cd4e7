import type { ResolvedAccount } from "@imessage-channel/config";
import { errorMessage, type Logger } from "@imessage-channel/kit";
import type { ApprovalNotice, StateStore } from "@imessage-channel/state";
import type { ChatAddress } from "./imsg-port.ts";
import type { OutboxPort } from "./outbox.ts";

export interface ApprovalNoticesOptions {
  account: Pick<ResolvedAccount, "accountId" | "pairing">;
  state: StateStore;
  /** The notice is an outbound part like any other: planned, sent once, reported when it cannot be. */
  outbox: OutboxPort;
  logger: Logger;
  status?: { count(counter: "sent", by?: number): void };
}

/** Named by the approval itself: a crash between planning and settling resumes this delivery, never a second one. */
export function approvalNoticeDeliveryId(notice: ApprovalNotice): string {
  return `pairing-approved:${notice.accountId}:${notice.sender}:${notice.approvedAtMs}`;
}

/** Where the notice goes: the chat the pairing request came from, else the sender's handle. */
function noticeChat(notice: ApprovalNotice): ChatAddress {
  const chatId = Number(notice.chatId);
  return { chatId: Number.isInteger(chatId) && chatId > 0 ? chatId : 0, handle: notice.sender, isGroup: false };
}

/**
 * "You were approved" (`pairing.notifyOnApprove`). `pairing approve` is the CLI's: it only marks the approval in
 * state.db as a pending notice. The running gateway finds pending notices on each outbox sweep (and so on its next
 * start, for approvals made while it was stopped) and sends each once through the outbox, then settles it.
 */
export class ApprovalNotices {
  readonly #options: ApprovalNoticesOptions;

  constructor(options: ApprovalNoticesOptions) {
    this.#options = options;
  }

  /** Sends (or, with notifyOnApprove off, settles unsent) every pending notice of the account; returns how many. */
  async sendPending(): Promise<number> {
    const { account, state } = this.#options;
    let handled = 0;
    for (const notice of state.pairing.pendingNotices(account.accountId)) {
      if (!account.pairing.notifyOnApprove) state.pairing.settleNotice(notice);
      else await this.#send(notice);
      handled += 1;
    }
    return handled;
  }

  async #send(notice: ApprovalNotice): Promise<void> {
    const { account, state, outbox, logger, status } = this.#options;
    const deliveryId = approvalNoticeDeliveryId(notice);
    // Revoked (or approved anew) between the approval and this sweep: that approval's notice is no one's to hear.
    const planned = state.parts.partsOf(deliveryId).length > 0;
    if (!planned && !state.pairing.approvalStands(notice)) return;
    try {
      const outcome = await outbox.sendText(noticeChat(notice), account.pairing.approvedText, {
        id: deliveryId,
        origin: "pairing",
      });
      if (outcome.sent > 0) status?.count("sent", outcome.sent);
      logger.info({ sender: notice.sender }, `told ${notice.sender} their pairing was approved`);
    } catch (error) {
      // The outbox recorded the part as failed and logged why; `outbox resolve --resend` sends it again.
      logger.warn(
        { sender: notice.sender, err: error },
        `approval notice to ${notice.sender} failed: ${errorMessage(error)}`,
      );
    }
    // Once planned, the outbox owns the delivery (a kept part goes out when imsg is back): the notice is settled.
    if (state.parts.partsOf(deliveryId).length > 0) state.pairing.settleNotice(notice);
  }
}
