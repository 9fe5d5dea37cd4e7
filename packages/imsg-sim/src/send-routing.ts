import { replyToParam } from "./bridge-action.ts";
import type { SendRequest } from "./methods-send.ts";
import { normalizeToE164 } from "./phone-number.ts";
import { knownOnlyAsSms, reachableOnImessage } from "./reachability.ts";
import { boolParam, type Params } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

/** 0.12's fail-closed answer for a threaded reply that no bridge can carry. */
export const replyNeedsBridgeText =
  "reply_to requires bridge transport; AppleScript fallback cannot send threaded replies";

/** How a release routes one `send` beyond 0.9.0's rules (docs/imsg-protocol.md, send routing). */
export interface SendRouting {
  /** 0.12+: the reply target; set, the send never falls back to AppleScript. */
  replyTo?: string;
  /** 0.11+: an AppleScript text send to a direct `to` may go out as SMS when iMessage cannot reach it. */
  allowSmsFallback: boolean;
  /** The service after 0.11's history check: `sms` for a handle chat.db knows only as SMS. */
  service: string;
  /** The recipient as routed: E.164 on every path from 0.14, raw (AppleScript normalises it later) before. */
  to: string;
}

export function sendRouting(params: Params, request: SendRequest, session: SimSession): SendRouting {
  const personality = session.settings.personality;
  const replyTo = personality.sendFailsClosed ? replyToParam(params) : undefined;
  const direct = !request.target.given;
  let service = request.service;
  if (personality.autoServiceDetection && service === "auto" && direct) {
    if (knownOnlyAsSms(session, normalizeToE164(request.to, request.region))) service = "sms";
  }
  // 0.14 made the fallback switchable; before, every 0.11+ auto text send to a `to` had it.
  const allowed = personality.strictParams
    ? (boolParam(params, "allow_sms_fallback", "allowSMSFallback") ?? true)
    : true;
  const to = personality.normalizesEveryRecipient && direct ? normalizeToE164(request.to, request.region) : request.to;
  return {
    ...(replyTo === undefined ? {} : { replyTo }),
    to,
    allowSmsFallback:
      personality.autoServiceDetection &&
      allowed &&
      service === "auto" &&
      direct &&
      request.text !== "" &&
      request.file === "",
    service,
  };
}

/**
 * What the AppleScript path does with a `to` iMessage cannot reach (`--sms-only`), from 0.11: `sms` when the fallback
 * applies, `undelivered` when it does not (Messages keeps a "Not Delivered" row), else `imessage`.
 */
export function appleScriptDelivery(
  session: SimSession,
  request: SendRequest,
  routing: SendRouting,
): "imessage" | "sms" | "undelivered" {
  if (!session.settings.personality.autoServiceDetection || request.target.given || routing.service === "sms") {
    return "imessage";
  }
  if (reachableOnImessage(session, normalizeToE164(request.to, request.region))) return "imessage";
  return routing.allowSmsFallback ? "sms" : "undelivered";
}
