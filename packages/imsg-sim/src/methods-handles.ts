import { run } from "./bridge-action.ts";
import { isBridgeUp } from "./bridge-state.ts";
import { resolveBridgeChatGuid } from "./chat-target.ts";
import { requiredStringParam } from "./method-params.ts";
import { normalizeToE164 } from "./phone-number.ts";
import { reachableOnImessage } from "./reachability.ts";
import { RpcError } from "./rpc-error.ts";
import { type Params, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

/** IDS id statuses as `handles.check` reports them. */
const idStatusValid = 1;
const idStatusInvalid = 2;

/**
 * `handles.check` (docs/imsg-protocol.md, New methods): asks the bridge whether an address is on iMessage.
 * Reachability is the sim's (`--sms-only`, SMS-only handles in chat.db).
 */
export function handlesCheck(params: Params, session: SimSession): Record<string, unknown> {
  const address = requiredStringParam(params, "address is required", "address");
  const aliasType = (stringParam(params, "alias_type") ?? (address.includes("@") ? "email" : "phone")).toLowerCase();
  if (aliasType !== "phone" && aliasType !== "email") throw RpcError.invalidParams("alias_type must be phone or email");
  const service = stringParam(params, "service") ?? "iMessage";
  if (service.toLowerCase() !== "imessage") {
    throw RpcError.invalidParams("handles.check only supports service iMessage");
  }
  if (session.settings.platform === "linux" || !isBridgeUp(session.bridge())) {
    throw RpcError.internal("handles.check requires bridge transport (Messages.app must be injected)");
  }
  const canonical = aliasType === "phone" ? normalizeToE164(address) : address.toLowerCase();
  const available = reachableOnImessage(session, canonical);
  return {
    ok: true,
    address,
    alias_type: aliasType,
    destination: aliasType === "phone" ? `tel:${canonical}` : `mailto:${canonical}`,
    id_status: available ? idStatusValid : idStatusInvalid,
    available,
    service: "iMessage",
  };
}

/** Chats whose card was shared during this run: the offer is no longer suggested for them. */
const sharedCards = new WeakMap<SimSession, Set<string>>();

function sharedIn(session: SimSession): Set<string> {
  let shared = sharedCards.get(session);
  if (!shared) {
    shared = new Set();
    sharedCards.set(session, shared);
  }
  return shared;
}

/**
 * `contacts.shouldShareContact` (0.13): whether Messages would offer to share the local Name & Photo in a chat.
 * `should_offer` is true until the card was shared in that chat (the sim never answers its third state, null).
 */
export function contactsShouldShareContact(params: Params, session: SimSession): Record<string, unknown> {
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  run(session, "should-share-contact", chatGuid);
  return { ok: true, can_inspect_offer: true, can_share: true, should_offer: !sharedIn(session).has(chatGuid) };
}

/** `contacts.shareContactCard` (0.13): asks Messages to share the card; `requested` is not proof of delivery. */
export function contactsShareContactCard(params: Params, session: SimSession): Record<string, unknown> {
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  run(session, "share-contact-card", chatGuid);
  sharedIn(session).add(chatGuid);
  return { ok: true, requested: true };
}
