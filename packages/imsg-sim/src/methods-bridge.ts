import { randomInt } from "node:crypto";
import { messageGuidParam, replyToParam, run } from "./bridge-action.ts";
import { dylibError, requireBridge, requireBridgeMessage } from "./bridge-call.ts";
import { resolveBridgeChatGuid } from "./chat-target.ts";
import { ensureChat, inTransaction } from "./inject.ts";
import { richFileParam, richSendIdentity, sendRichUrl } from "./methods-rich-send.ts";
import { tapback } from "./methods-tapback.ts";
import { stageAttachment, writeOutgoing } from "./outgoing.ts";
import { RpcError } from "./rpc-error.ts";
import {
  boolParam,
  firstUsableStringParam,
  hasParam,
  type Params,
  stringArrayParam,
  stringParam,
} from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

type Handler = (params: Params, session: SimSession) => Record<string, unknown>;

const expressiveEffects = new Set(["impact", "loud", "gentle", "invisibleink"]);
const screenEffects = new Set([
  "confetti",
  "lasers",
  "fireworks",
  "balloons",
  "sparkles",
  "spotlight",
  "echo",
  "love",
  "celebration",
]);

/** `effect_id` expansion of docs/imsg-protocol.md#effect-names; unknown values pass through unchanged. */
export function expandEffect(effect: string): string {
  if (expressiveEffects.has(effect)) return `com.apple.MobileSMS.expressivesend.${effect}`;
  if (screenEffects.has(effect))
    return `com.apple.messages.effect.CK${effect[0]!.toUpperCase()}${effect.slice(1)}Effect`;
  return effect;
}

const sendRich: Handler = (params, session) => {
  const personality = session.settings.personality;
  if (personality.richUrlMode && hasParam(params, "url")) return sendRichUrl(params, session);
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  const text = firstUsableStringParam(params, "text", "message") ?? "";
  const file = personality.enrichedRichSendResults ? richFileParam(params) : undefined;
  const effect = stringParam(params, "effect_id", "effectId", "effect");
  const replyTo = replyToParam(params);
  const ddScan = boolParam(params, "dd_scan", "ddScan") ?? true;
  const staged = file === undefined ? undefined : stageAttachment(file);
  const chatId = run(session, staged === undefined ? "send-message" : "send-attachment", chatGuid);
  const written = writeOutgoing(session, {
    chatId,
    text,
    ...(staged === undefined ? {} : { file: staged }),
    ...(replyTo ? { replyTo } : {}),
    ...(effect === undefined || effect === "" ? {} : { effectId: expandEffect(effect) }),
  });
  if (personality.enrichedRichSendResults) {
    return { ok: true, ...(staged === undefined ? {} : { id: written.rowid }), ...richSendIdentity(session, written) };
  }
  if (ddScan) return { ok: true, queued: true };
  return { ok: true, guid: written.guid, message_id: written.guid };
};

const sendAttachment: Handler = (params, session) => {
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  const file = stringParam(params, "file", "path") ?? "";
  if (file === "") throw RpcError.invalidParams("file is required");
  const replyTo = replyToParam(params);
  const staged = stageAttachment(file);
  const chatId = run(session, "send-attachment", chatGuid);
  const written = writeOutgoing(session, { chatId, text: "", file: staged, ...(replyTo ? { replyTo } : {}) });
  if (session.settings.personality.enrichedRichSendResults) return { ok: true, ...richSendIdentity(session, written) };
  return { ok: true, guid: written.guid, message_id: written.guid };
};

function withMessage(action: string, apply: (session: SimSession, rowid: number, params: Params) => void): Handler {
  return (params, session) => {
    const chatGuid = resolveBridgeChatGuid(params, session.store);
    const messageGuid = messageGuidParam(params);
    run(session, action, chatGuid);
    const rowid = requireBridgeMessage(session, messageGuid);
    apply(session, rowid, params);
    return { ok: true };
  };
}

const messageEdit: Handler = (params, session) => {
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  const messageGuid = messageGuidParam(params);
  const text = stringParam(params, "text", "new_text", "newText", "edited_message") ?? "";
  if (text === "") throw RpcError.invalidParams("text is required");
  run(session, "edit-message", chatGuid);
  const selectors = session.bridge().selectors;
  if (!selectors.editMessageItem && !selectors.editMessage) {
    throw dylibError("No edit-message selector available on this macOS");
  }
  const rowid = requireBridgeMessage(session, messageGuid);
  session.writer().prepare("UPDATE message SET text = ?, date_edited = ? WHERE ROWID = ?").run(text, Date.now(), rowid);
  return { ok: true };
};

const messageUnsend = withMessage("unsend-message", (session, rowid) => {
  if (!session.bridge().selectors.retractMessagePart) {
    throw dylibError("retractMessagePart: not available on this macOS");
  }
  session.writer().prepare("UPDATE message SET date_retracted = ? WHERE ROWID = ?").run(Date.now(), rowid);
});

const messageDelete = withMessage("delete-message", (session, rowid) => {
  const writer = session.writer();
  inTransaction(writer, () => {
    writer.prepare("DELETE FROM chat_message_join WHERE message_id = ?").run(rowid);
    writer.prepare("DELETE FROM message WHERE ROWID = ?").run(rowid);
  });
});

const messageNotifyAnyways = withMessage("notify-anyways", () => {});

const chatsCreate: Handler = (params, session) => {
  const addresses = stringArrayParam(params, "addresses") ?? [];
  if (addresses.length === 0) throw RpcError.invalidParams("addresses is required (non-empty array of phone/email)");
  const service = stringParam(params, "service") ?? "iMessage";
  const name = stringParam(params, "name");
  const text = stringParam(params, "text") ?? "";
  requireBridge(session, "create-chat");
  if (service !== "iMessage") throw dylibError(`Unsupported chat-create service: ${service}`);
  const writer = session.writer();
  const isGroup = addresses.length > 1;
  const identifier = isGroup
    ? `chat${String(randomInt(1e9)).padStart(9, "0")}${String(randomInt(1e9)).padStart(9, "0")}`
    : addresses[0]!;
  const guid = `iMessage;${isGroup ? "+" : "-"};${identifier}`;
  const chatId = inTransaction(writer, () =>
    ensureChat(writer, {
      guid,
      identifier,
      service: "iMessage",
      isGroup,
      members: addresses,
      ...(name === undefined || name === "" ? {} : { displayName: name }),
    }),
  );
  const written = text === "" ? undefined : writeOutgoing(session, { chatId, text });
  if (session.settings.personality.sendReportsIdentity) {
    // 0.10.0: the first message's guid and the chat's service join the answer.
    return { ok: true, chat_guid: guid, ...(written ? { message_guid: written.guid } : {}), service: "iMessage" };
  }
  return { ok: true, chat_guid: guid };
};

function chatAction(action: string, apply: (session: SimSession, chatId: number, params: Params) => void): Handler {
  return (params, session) => {
    const chatGuid = resolveBridgeChatGuid(params, session.store);
    const chatId = run(session, action, chatGuid);
    apply(session, chatId, params);
    return { ok: true };
  };
}

const chatsDelete = chatAction("delete-chat", (session, chatId) => {
  const writer = session.writer();
  inTransaction(writer, () => {
    writer.prepare("DELETE FROM chat_message_join WHERE chat_id = ?").run(chatId);
    writer.prepare("DELETE FROM chat_handle_join WHERE chat_id = ?").run(chatId);
    writer.prepare("DELETE FROM chat WHERE ROWID = ?").run(chatId);
  });
});

const chatsMarkUnread = chatAction("mark-chat-unread", () => {});

const groupRename: Handler = (params, session) => {
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  const name = stringParam(params, "name");
  if (name === undefined) throw RpcError.invalidParams("name is required");
  const chatId = run(session, "set-display-name", chatGuid);
  session.writer().prepare("UPDATE chat SET display_name = ? WHERE ROWID = ?").run(name, chatId);
  return { ok: true };
};

const groupSetIcon: Handler = (params, session) => {
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  run(session, "update-group-photo", chatGuid);
  return { ok: true };
};

function participantAction(action: string, add: boolean): Handler {
  return (params, session) => {
    const chatGuid = resolveBridgeChatGuid(params, session.store);
    const address = stringParam(params, "address") ?? "";
    if (address === "") throw RpcError.invalidParams("address is required");
    const chatId = run(session, action, chatGuid);
    const writer = session.writer();
    inTransaction(writer, () => {
      if (add) {
        ensureChat(writer, { guid: chatGuid, identifier: "", service: "iMessage", isGroup: true, members: [address] });
        return;
      }
      writer
        .prepare(
          "DELETE FROM chat_handle_join WHERE chat_id = ? AND handle_id IN (SELECT ROWID FROM handle WHERE id = ?)",
        )
        .run(chatId, address);
    });
    return { ok: true };
  };
}

/**
 * Every IMCore-bridge method of imsg 0.9.0 (docs/imsg-protocol.md#bridge-message-actions, #chat-and-group-management).
 */
export const bridgeMethods: Record<string, Handler> = {
  "send.rich": sendRich,
  "send.attachment": sendAttachment,
  tapback,
  "message.edit": messageEdit,
  "message.unsend": messageUnsend,
  "message.delete": messageDelete,
  "message.notifyAnyways": messageNotifyAnyways,
  "chats.create": chatsCreate,
  "chats.delete": chatsDelete,
  "chats.markUnread": chatsMarkUnread,
  "group.rename": groupRename,
  "group.setIcon": groupSetIcon,
  "group.addParticipant": participantAction("add-participant", true),
  "group.removeParticipant": participantAction("remove-participant", false),
  "group.leave": chatAction("leave-chat", () => {}),
};
