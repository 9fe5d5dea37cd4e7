import { appleNanosecondsFromDate } from "./apple-time.ts";
import type { SimSession } from "./sim-session.ts";

/** How a tracked send's row ends (`--fault-send-status`): delivered (default), failed, stuck pending, or sent only. */
export type SendStatusFault = "failed" | "pending" | "sent";

export const sendStatusFaults: readonly SendStatusFault[] = ["failed", "pending", "sent"];

/** The `message.error` value the sim writes for a failed send (Messages' generic "not delivered"). */
export const failedSendErrorCode = 22;

/**
 * Simulated Messages.app progress of a tracked send's row (docs/imsg-protocol.md, send.tracked): written pending,
 * marked sent after `stepMs`, then delivered (or failed) after another `stepMs`. The row is the truth that
 * `message.send_status` reads.
 */
export function progressTrackedSend(session: SimSession, rowid: number): void {
  const fault = session.settings.sendStatusFault;
  if (fault === "pending") return;
  const stepMs = session.settings.sendProgressMs ?? 500;
  const update = (sql: string, ...values: (number | bigint)[]) => {
    session
      .writer()
      .prepare(sql)
      .run(...values, rowid);
  };
  const later = (delayMs: number, step: () => void) => {
    const timer = setTimeout(step, delayMs);
    timer.unref();
    session.closers.push(() => clearTimeout(timer));
  };
  if (fault === "failed") {
    later(stepMs, () => update("UPDATE message SET error = ?, is_finished = 1 WHERE ROWID = ?", failedSendErrorCode));
    return;
  }
  later(stepMs, () => update("UPDATE message SET is_sent = 1 WHERE ROWID = ?"));
  if (fault === "sent") return;
  later(2 * stepMs, () =>
    update(
      "UPDATE message SET is_delivered = 1, is_finished = 1, date_delivered = ? WHERE ROWID = ?",
      appleNanosecondsFromDate(new Date()),
    ),
  );
}
