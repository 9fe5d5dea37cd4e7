import { bridgeReadyLockExists, requireBridge, requireBridgeChat } from "./bridge-call.ts";
import { findChatByIdentifier, findDirectChat, lookUpChatId, readChatTarget } from "./chat-target.ts";
import { looksLikeContactName } from "./contact-book.ts";
import { ensureDirectChat, stageAttachment, writeGhostRow, writeOutgoing } from "./outgoing.ts";
import { normalizeToE164 } from "./phone-number.ts";
import { linuxTexts, macTexts } from "./platform-texts.ts";
import { genericBridgeErrorText, RpcError } from "./rpc-error.ts";
import { type Params, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

const sendServices = ["auto", "imessage", "sms"];
const transports = ["auto", "bridge", "applescript"];

function chatIdForGuid(session: SimSession, guidOrIdentifier: string): number | undefined {
  return findChatByIdentifier(session.store, guidOrIdentifier)?.rowid;
}

/** `send` (§2.6): exact validation order, bridge routing with AppleScript fallback, outgoing row on "macOS". */
export function send(params: Params, session: SimSession): Record<string, unknown> {
  const service = stringParam(params, "service") ?? "auto";
  if (!sendServices.includes(service)) throw RpcError.invalidParams("invalid service");
  const transport = (stringParam(params, "transport") ?? "auto").toLowerCase();
  if (!transports.includes(transport)) throw RpcError.invalidParams("invalid transport");
  let to = stringParam(params, "to") ?? "";
  let target = readChatTarget(params);
  if (to !== "" && target.given) throw RpcError.invalidParams("use to or chat_*; not both");
  if (to === "" && !target.given) throw RpcError.invalidParams("to is required for direct sends");
  to = resolveContactName(to, session);
  const text = stringParam(params, "text") ?? "";
  const file = stringParam(params, "file") ?? "";
  if (text === "" && file === "") throw RpcError.invalidParams("text or file is required");
  target = lookUpChatId(target, session.store);
  if (target.given && target.guid === "" && target.identifier === "") {
    throw RpcError.invalidParams("missing chat identifier or guid");
  }
  let bridgeChatGuid = "";
  if (transport !== "applescript") {
    if (target.given) bridgeChatGuid = target.guid || target.identifier;
    else {
      const direct = findDirectChat(session.store, to, service);
      bridgeChatGuid = direct ? direct.guid || direct.identifier : "";
    }
    if (bridgeChatGuid === "" && transport === "bridge") {
      throw RpcError.invalidParams("bridge transport requires an existing chat target");
    }
    if (transport === "bridge" && text !== "" && file !== "") {
      throw RpcError.invalidParams("bridge transport does not support text and file together");
    }
  }
  const staged = file === "" ? undefined : stageAttachment(file);
  const bridgeRoute =
    bridgeChatGuid !== "" &&
    (transport === "bridge" || bridgeReadyLockExists(session)) &&
    !(text !== "" && staged !== undefined);
  if (bridgeRoute) {
    try {
      requireBridge(session, staged === undefined ? "send-message" : "send-attachment");
      const chatId = requireBridgeChat(session, bridgeChatGuid);
      const written = writeOutgoing(session, { chatId, text, ...(staged ? { file: staged } : {}) });
      return { ok: true, transport: "bridge", guid: written.guid };
    } catch (error) {
      if (transport === "bridge") throw error;
    }
  }

  if (session.settings.platform === "linux") throw RpcError.internal(linuxTexts.appleScriptSend);
  let chatId: number;
  if (target.given) {
    const found = chatIdForGuid(session, target.guid || target.identifier);
    if (found === undefined) {
      throw RpcError.internal(
        `AppleScript failed: Messages got an error: Can’t get chat id "${target.guid || target.identifier}".`,
      );
    }
    chatId = found;
    if (session.settings.sendFault === "ghost-row" && text !== "") {
      const ghost = writeGhostRow(session, target.guid || target.identifier);
      throw RpcError.internal(
        `AppleScript failed: Messages accepted the chat send but wrote an unjoined empty outgoing row (${ghost}); delivery to the target chat was not confirmed`,
      );
    }
  } else {
    const recipient = normalizeToE164(to, stringParam(params, "region") ?? "US");
    const direct = findDirectChat(session.store, recipient, service);
    chatId = direct?.rowid ?? ensureDirectChat(session, recipient, service === "sms" ? "SMS" : "iMessage");
  }
  const written = writeOutgoing(session, { chatId, text, ...(staged ? { file: staged } : {}) });
  if (text === "" || session.settings.sendFault === "unverified") return { ok: true, transport: "applescript" };
  return { ok: true, transport: "applescript", id: written.rowid, guid: written.guid };
}

/** Step 5 of `send` validation: a `to` that looks like a name is looked up in Contacts (§9). */
function resolveContactName(to: string, session: SimSession): string {
  const contacts = session.store.contacts;
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

/** `typing` (§2.7): validation, then the platform's IMCore typing answer. */
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

/** `read` (§2.8): bridge `read`; failures carry Foundation's generic text, as `IMCoreBridgeError` is not localized. */
export function read(params: Params, session: SimSession): Record<string, unknown> {
  readDirectOrChat(params, session);
  try {
    requireBridge(session, "read");
  } catch {
    throw RpcError.internal(genericBridgeErrorText);
  }
  return { ok: true };
}
