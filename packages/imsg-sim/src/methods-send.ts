import { appleNanosecondsFromDate } from "./apple-time.ts";
import { bridgeReadyLockExists, requireBridge, requireBridgeChat } from "./bridge-call.ts";
import { type ChatTarget, findChatByIdentifier, findDirectChat, lookUpChatId, readChatTarget } from "./chat-target.ts";
import { looksLikeContactName } from "./contact-book.ts";
import { ensureDirectChat, stageAttachment, writeGhostRow, writeOutgoing } from "./outgoing.ts";
import { normalizeToE164 } from "./phone-number.ts";
import { linuxTexts, macTexts } from "./platform-texts.ts";
import { genericBridgeErrorText, RpcError } from "./rpc-error.ts";
import { type Params, stringParam } from "./rpc-params.ts";
import { appleScriptSendIdentity, bridgeSendIdentity } from "./send-results.ts";
import { appleScriptDelivery, replyNeedsBridgeText, sendRouting } from "./send-routing.ts";
import type { SimSession } from "./sim-session.ts";

const sendServices = ["auto", "imessage", "sms"];
const transports = ["auto", "bridge", "applescript"];

export interface SendRequest {
  service: string;
  transport: string;
  to: string;
  target: ChatTarget;
  text: string;
  file: string;
  region: string;
}

/** Validation steps 1–8 of docs/imsg-protocol.md#send, in imsg's order. */
export function validateSend(params: Params, session: SimSession): SendRequest {
  const service = stringParam(params, "service") ?? "auto";
  if (!sendServices.includes(service)) throw RpcError.invalidParams("invalid service");
  const transport = (stringParam(params, "transport") ?? "auto").toLowerCase();
  if (!transports.includes(transport)) throw RpcError.invalidParams("invalid transport");
  const rawTo = stringParam(params, "to") ?? "";
  const given = readChatTarget(params);
  if (rawTo !== "" && given.given) throw RpcError.invalidParams("use to or chat_*; not both");
  if (rawTo === "" && !given.given) throw RpcError.invalidParams("to is required for direct sends");
  const to = resolveContactName(rawTo, session);
  const text = stringParam(params, "text") ?? "";
  const file = stringParam(params, "file") ?? "";
  if (text === "" && file === "") throw RpcError.invalidParams("text or file is required");
  // A `chat_id` needs the db (-32002 while 0.14+'s lazy database is down); a `to` or a named chat does not.
  const target = given.chatId === undefined ? given : lookUpChatId(given, session.store);
  if (target.given && target.guid === "" && target.identifier === "") {
    throw RpcError.invalidParams("missing chat identifier or guid");
  }
  return { service, transport, to, target, text, file, region: stringParam(params, "region") ?? "US" };
}

/** The chat GUID a bridge send would use ("" when none resolves), with the bridge-only checks. */
function bridgeChatGuidFor(request: SendRequest, session: SimSession): string {
  if (request.transport === "applescript") return "";
  let chatGuid = "";
  if (request.target.given) chatGuid = request.target.guid || request.target.identifier;
  else {
    const direct = findDirectChat(session.store, request.to, request.service);
    chatGuid = direct ? direct.guid || direct.identifier : "";
  }
  if (chatGuid === "" && request.transport === "bridge") {
    throw RpcError.invalidParams("bridge transport requires an existing chat target");
  }
  if (request.transport === "bridge" && request.text !== "" && request.file !== "") {
    throw RpcError.invalidParams("bridge transport does not support text and file together");
  }
  return chatGuid;
}

/** The bridge path; undefined means "fall back to AppleScript" (only under `transport: auto`). */
function sendViaBridge(
  request: SendRequest,
  chatGuid: string,
  staged: string | undefined,
  session: SimSession,
  replyTo: string | undefined,
): Record<string, unknown> | undefined {
  try {
    requireBridge(session, staged === undefined ? "send-message" : "send-attachment");
    const chatId = requireBridgeChat(session, chatGuid);
    const written = writeOutgoing(session, {
      chatId,
      text: request.text,
      ...(staged ? { file: staged } : {}),
      ...(replyTo === undefined ? {} : { replyTo }),
    });
    if (session.settings.personality.sendReportsIdentity) {
      return { ok: true, transport: "bridge", ...bridgeSendIdentity(session, written) };
    }
    return { ok: true, transport: "bridge", guid: written.guid };
  } catch (error) {
    // A threaded reply (0.12+) fails closed: AppleScript cannot thread it.
    if (request.transport === "bridge" || replyTo !== undefined) throw error;
    return undefined;
  }
}

/** The chat an AppleScript send lands in: the target chat, or the direct chat of `to` (created if new). */
function appleScriptChatId(request: SendRequest, session: SimSession): number {
  if (!request.target.given) {
    const recipient = normalizeToE164(request.to, request.region);
    const direct = findDirectChat(session.store, recipient, request.service);
    return direct?.rowid ?? ensureDirectChat(session, recipient, request.service === "sms" ? "SMS" : "iMessage");
  }
  const chatName = request.target.guid || request.target.identifier;
  const found = findChatByIdentifier(session.store, chatName)?.rowid;
  if (found === undefined)
    throw RpcError.internal(`AppleScript failed: Messages got an error: Can’t get chat id "${chatName}".`);
  if (session.settings.sendFault === "ghost-row" && request.text !== "") {
    const ghost = writeGhostRow(session, chatName);
    throw RpcError.internal(
      `AppleScript failed: Messages accepted the chat send but wrote an unjoined empty outgoing row (${ghost}); delivery to the target chat was not confirmed`,
    );
  }
  return found;
}

/**
 * `send` (docs/imsg-protocol.md#send): exact validation order, bridge routing with AppleScript fallback, outgoing row
 * on "macOS".
 */
export function send(params: Params, session: SimSession): Record<string, unknown> {
  const validated = validateSend(params, session);
  // 0.14+ with the db down: lookups and verification are skipped, only what the transport observed is answered.
  if (!session.databaseReady()) return { ok: true, transport: "applescript" };
  const routing = sendRouting(params, validated, session);
  let request: SendRequest = { ...validated, service: routing.service, to: routing.to };
  const bridgeChatGuid = bridgeChatGuidFor(request, session);
  const staged = request.file === "" ? undefined : stageAttachment(request.file);
  const textAndFile = request.text !== "" && staged !== undefined;
  if (bridgeChatGuid !== "" && !textAndFile && (request.transport === "bridge" || bridgeReadyLockExists(session))) {
    const result = sendViaBridge(request, bridgeChatGuid, staged, session, routing.replyTo);
    if (result) return result;
  }
  if (routing.replyTo !== undefined) throw RpcError.invalidParams(replyNeedsBridgeText);
  if (session.settings.platform === "linux") throw RpcError.internal(linuxTexts.appleScriptSend);
  const delivery = appleScriptDelivery(session, request, routing);
  if (delivery === "sms") request = { ...request, service: "sms" };
  const chatId = appleScriptChatId(request, session);
  const written = writeOutgoing(session, {
    chatId,
    text: request.text,
    ...(staged ? { file: staged } : {}),
    ...(delivery === "sms" ? { service: "SMS" as const } : {}),
    ...(delivery === "undelivered" ? { failed: true } : {}),
  });
  // imsg verifies only text sends; a missed verification answers without id and guid.
  const observed = request.text === "" || session.settings.sendFault === "unverified" ? undefined : written;
  if (session.settings.personality.sendReportsIdentity) {
    return {
      ok: true,
      transport: "applescript",
      ...appleScriptSendIdentity(session, chatId, observed, request.service),
    };
  }
  if (!observed) return { ok: true, transport: "applescript" };
  return { ok: true, transport: "applescript", id: written.rowid, guid: written.guid };
}

/**
 * Step 5 of `send` validation: a `to` that looks like a name is looked up in Contacts (docs/imsg-protocol.md#handles).
 */
function resolveContactName(to: string, session: SimSession): string {
  const contacts = session.databaseReady() ? session.store.contacts : undefined;
  if (!contacts || !looksLikeContactName(to)) return to;
  const matches = contacts.search(to);
  if (matches.length === 0) return to;
  if (matches.length === 1) return matches[0]!.handle || to;
  const lines = matches.map((match) => `  ${match.name}: ${match.handle}`).join("\n");
  throw RpcError.invalidParams(
    `Invalid chat target: Multiple contacts match "${to}":\n${lines}\nSpecify a phone number or email instead.`,
  );
}

interface DirectOrChat {
  to: string;
  identifier: string;
}

function readDirectOrChat(params: Params, session: SimSession): DirectOrChat {
  const to = stringParam(params, "to") ?? "";
  let target = readChatTarget(params);
  if (to !== "" && target.given) throw RpcError.invalidParams("use to or chat_*; not both");
  if (to === "" && !target.given) throw RpcError.invalidParams("to is required");
  if (!target.given) return { to, identifier: "" };
  target = lookUpChatId(target, session.store);
  const identifier = target.guid || target.identifier;
  if (identifier === "") throw RpcError.invalidParams("missing chat identifier or guid");
  return { to: "", identifier };
}

/** `typing` (docs/imsg-protocol.md#typing): validation, then the platform's IMCore typing answer. */
export function typing(params: Params, session: SimSession): Record<string, unknown> {
  const target = readDirectOrChat(params, session);
  if (target.identifier === "") {
    const rawService = stringParam(params, "service") ?? "imessage";
    if (!sendServices.includes(rawService.toLowerCase())) throw RpcError.invalidParams(rawService);
  }
  if (session.settings.platform === "linux") throw RpcError.internal(linuxTexts.typing);
  const bridge = session.bridge();
  if (!(bridge.sip === "disabled" && bridge.launched && !bridge.fallen)) {
    throw RpcError.internal(macTexts.typingWithoutBridge);
  }
  return { ok: true };
}

/**
 * `read` (docs/imsg-protocol.md#read): bridge `read`; failures carry Foundation's generic text, as `IMCoreBridgeError`
 * is not localized.
 */
export function read(params: Params, session: SimSession): Record<string, unknown> {
  const target = readDirectOrChat(params, session);
  try {
    requireBridge(session, "read");
  } catch {
    throw RpcError.internal(genericBridgeErrorText);
  }
  markChatRead(session, target.identifier || target.to);
  return { ok: true };
}

/** What Messages does when a chat is marked read: its incoming rows get `is_read` and `date_read` (tests observe it). */
function markChatRead(session: SimSession, chat: string): void {
  session
    .writer()
    .prepare(
      `UPDATE message SET is_read = 1, date_read = ?
       WHERE is_from_me = 0 AND is_read = 0 AND ROWID IN (
         SELECT j.message_id FROM chat_message_join j JOIN chat c ON c.ROWID = j.chat_id
         WHERE c.guid = ? OR c.chat_identifier = ?)`,
    )
    .run(appleNanosecondsFromDate(new Date()), chat, chat);
}
