import type { SimSession } from "./sim-session.ts";

/**
 * Whether Apple's identity service would find `address` on iMessage: not when it is listed in `--sms-only`, nor when
 * chat.db knows the handle only as SMS (docs/imsg-protocol.md, New methods).
 */
export function reachableOnImessage(session: SimSession, address: string): boolean {
  if ((session.settings.smsOnlyRecipients ?? []).includes(address)) return false;
  return !knownOnlyAsSms(session, address);
}

/** True when chat.db has the handle, and only with the SMS service: 0.11's `service: "auto"` history check. */
export function knownOnlyAsSms(session: SimSession, address: string): boolean {
  const rows = session.store.database.prepare("SELECT DISTINCT service FROM handle WHERE id = ?").all(address) as {
    service: string;
  }[];
  return rows.length > 0 && rows.every((row) => row.service === "SMS");
}
