import type { InjectedMessage } from "./inject.ts";
import type { SimSession } from "./sim-session.ts";

/** The service of a written row, as `message.service` holds it ("" when unknown). */
function rowService(session: SimSession, rowid: number): string {
  const row = session.store.database
    .prepare("SELECT IFNULL(service, '') AS service FROM message WHERE ROWID = ?")
    .get(rowid) as { service: string } | undefined;
  return row?.service ?? "";
}

/** Adds `key` only when the value is a non-empty string: imsg's "each appears only when non-empty". */
function nonEmpty(key: string, value: string | undefined): Record<string, string> {
  return value === undefined || value === "" ? {} : { [key]: value };
}

/**
 * The identity 0.10.0+ adds to a bridge `send` answer (docs/imsg-protocol.md, send results): the message `guid` and
 * its alias `message_id`, the chat's guid and the service; each only when non-empty.
 */
export function bridgeSendIdentity(session: SimSession, written: InjectedMessage): Record<string, unknown> {
  const chat = session.store.chatInfo(written.chatId);
  return {
    ...nonEmpty("guid", written.guid),
    ...nonEmpty("message_id", written.guid),
    ...nonEmpty("chat_guid", chat.guid),
    ...nonEmpty("service", rowService(session, written.rowid) || chat.service),
  };
}

/**
 * The identity 0.10.0+ adds to an AppleScript `send` answer: `id`/`guid`/`message_id` only when the row was observed;
 * `service` from the row, else the chat, else the requested one; `chat_guid` from the chat.
 */
export function appleScriptSendIdentity(
  session: SimSession,
  chatId: number,
  observed: InjectedMessage | undefined,
  requestedService: string,
): Record<string, unknown> {
  const chat = session.store.chatInfo(chatId);
  const explicit = requestedService === "sms" ? "SMS" : requestedService === "imessage" ? "iMessage" : "";
  const service = (observed ? rowService(session, observed.rowid) : "") || chat.service || explicit;
  return {
    ...(observed ? { id: observed.rowid, guid: observed.guid, message_id: observed.guid } : {}),
    ...nonEmpty("service", service),
    ...nonEmpty("chat_guid", chat.guid),
  };
}
