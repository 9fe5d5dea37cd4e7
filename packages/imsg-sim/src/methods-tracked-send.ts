import { isoFromAppleMilliseconds } from "./apple-time.ts";
import { requireBridge, requireBridgeChat } from "./bridge-call.ts";
import { bridgeHasSelector } from "./bridge-features.ts";
import { findChatByIdentifier, findDirectChat } from "./chat-target.ts";
import { deliveryData, deliveryFailure } from "./delivery-outcome.ts";
import { requiredStringParam } from "./method-params.ts";
import { validateSend } from "./methods-send.ts";
import { writeOutgoing } from "./outgoing.ts";
import { RpcError } from "./rpc-error.ts";
import { hasParam, type Params, stringParam } from "./rpc-params.ts";
import { progressTrackedSend } from "./send-progress.ts";
import { bridgeSendIdentity } from "./send-results.ts";
import type { SimSession } from "./sim-session.ts";

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The text of a reused attempt id: a `not_started` delivery failure (nothing was sent). */
export const attemptIdTakenText = "attempt_id already identifies a message; choose a new UUID";

function attemptIdParam(params: Params): string {
  if (!hasParam(params, "attempt_id")) throw RpcError.invalidParams("attempt_id is required");
  const value = (stringParam(params, "attempt_id") ?? "").trim();
  if (!uuidPattern.test(value)) throw RpcError.invalidParams("attempt_id must be a UUID");
  return value.toLowerCase();
}

function messageWithGuid(session: SimSession, guid: string): Record<string, unknown> | undefined {
  return session.store.database
    .prepare(
      "SELECT ROWID AS rowid, IFNULL(service, '') AS service, is_sent, is_delivered, is_finished, IFNULL(error, 0) AS error, " +
        "date_delivered / 1000000 AS date_delivered_ms, date_read / 1000000 AS date_read_ms FROM message " +
        "WHERE guid = ? COLLATE NOCASE LIMIT 1",
    )
    .get(guid) as Record<string, unknown> | undefined;
}

/**
 * `send.tracked` (docs/imsg-protocol.md, send.tracked): one bridge text send whose message guid is the caller's UUID,
 * so a lost answer can be checked with `message.send_status` instead of sent again. Offered only while the bridge
 * has the `clientMessageGuidReservation` selector; the row is written pending and progresses (send-progress.ts).
 */
export function sendTracked(params: Params, session: SimSession): Record<string, unknown> {
  if (!bridgeHasSelector(session.bridge(), "clientMessageGuidReservation")) {
    throw RpcError.methodNotFound("send.tracked");
  }
  const attemptId = attemptIdParam(params);
  const request = validateSend(params, session);
  if (request.text === "" || request.file !== "") {
    throw RpcError.invalidParams("send.tracked supports exactly one text message");
  }
  if (request.transport === "applescript") throw RpcError.invalidParams("send.tracked requires bridge transport");
  const chat = request.target.given
    ? findChatByIdentifier(session.store, request.target.guid || request.target.identifier)
    : findDirectChat(session.store, request.to, request.service);
  if (!chat) throw RpcError.invalidParams("bridge transport requires an existing chat target");
  // Refused before anything is dispatched, so imsg types it as a retry-safe `not_started` delivery failure.
  if (messageWithGuid(session, attemptId)) {
    throw deliveryFailure(deliveryData("not_started", "send-message", "bridge_v2", attemptIdTakenText));
  }
  requireBridge(session, "send-message");
  const chatId = requireBridgeChat(session, chat.guid || chat.identifier);
  const written = writeOutgoing(session, { chatId, text: request.text, guid: attemptId, pending: true });
  progressTrackedSend(session, written.rowid);
  return { ok: true, transport: "bridge", ...bridgeSendIdentity(session, written), attempt_id: attemptId };
}

function isoOrNull(appleMilliseconds: unknown): string | null {
  const value = Number(appleMilliseconds ?? 0);
  return value > 0 ? isoFromAppleMilliseconds(value) : null;
}

/**
 * `message.send_status` (docs/imsg-protocol.md, send.tracked): the row's send state. Unlike the rest of the
 * protocol it emits JSON `null`: `service` when unknown, `status_fields` for a missing row, unset dates.
 */
export function messageSendStatus(params: Params, session: SimSession): Record<string, unknown> {
  const guid = requiredStringParam(params, "guid is required", "guid");
  const checkedAt = new Date().toISOString();
  const row = messageWithGuid(session, guid);
  if (!row) return { ok: true, guid, send_state: "pending", service: null, checked_at: checkedAt, status_fields: null };
  const isDelivered = Number(row.is_delivered ?? 0) !== 0;
  const error = Number(row.error ?? 0);
  let state = "pending";
  if (error !== 0) state = "failed";
  else if (isDelivered) state = "delivered";
  else if (Number(row.is_sent ?? 0) !== 0) state = "sent";
  const dateDelivered = isoOrNull(row.date_delivered_ms);
  return {
    ok: true,
    guid,
    send_state: state,
    service: row.service === "" ? null : row.service,
    checked_at: checkedAt,
    ...(state === "delivered" && dateDelivered !== null ? { delivered_at: dateDelivered } : {}),
    status_fields: {
      is_sent: Number(row.is_sent ?? 0) !== 0,
      is_delivered: isDelivered,
      is_finished: Number(row.is_finished ?? 0) !== 0,
      error,
      date_delivered: dateDelivered,
      date_read: isoOrNull(row.date_read_ms),
      // Columns the sim's chat.db does not keep; a healthy send reports them false.
      is_delayed: false,
      is_prepared: false,
      is_pending_satellite_send: false,
      was_downgraded: false,
    },
  };
}
