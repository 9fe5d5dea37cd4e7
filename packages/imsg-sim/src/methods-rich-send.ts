import { requireBridge, requireBridgeChat } from "./bridge-call.ts";
import { resolveBridgeChatGuid } from "./chat-target.ts";
import type { InjectedMessage } from "./inject.ts";
import { writeOutgoing } from "./outgoing.ts";
import { RpcError } from "./rpc-error.ts";
import { hasParam, type Params, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

const urlBalloonBundleId = "com.apple.messages.URLBalloonProvider";

/** Keys `send.rich`'s URL mode refuses, in imsg's order: the first present one is named (strict params and the handler). */
export const keysRefusedWithUrl: readonly string[] = [
  "text",
  "message",
  "dd_scan",
  "ddScan",
  "effect_id",
  "effectId",
  "effect",
  "subject",
  "reply_to",
  "replyTo",
  "reply_to_guid",
  "message_guid",
  "part_index",
  "partIndex",
  "text_formatting",
  "textFormatting",
  "file",
  "path",
];

/** 0.14+ answers of `send.rich`/`send.attachment`: the observed row's guid (and alias) and its chat's guid. */
export function richSendIdentity(session: SimSession, written: InjectedMessage): Record<string, unknown> {
  const chatGuid = session.store.chatInfo(written.chatId).guid;
  return { guid: written.guid, message_id: written.guid, ...(chatGuid === "" ? {} : { chat_guid: chatGuid }) };
}

/** `send.rich` `file`/`path` (0.14 rich-file sends): absent, or a non-empty path. */
export function richFileParam(params: Params): string | undefined {
  if (!hasParam(params, "file", "path")) return undefined;
  const file = stringParam(params, "file", "path") ?? "";
  if (file === "") throw RpcError.invalidParams("file must be a non-empty string");
  return file;
}

/**
 * `send.rich` URL mode (0.13, docs/imsg-protocol.md#sendrich): a rich link to a stored iMessage chat, alone; Messages
 * writes it as a URL-balloon row.
 */
export function sendRichUrl(params: Params, session: SimSession): Record<string, unknown> {
  const refused = keysRefusedWithUrl.find((key) => hasParam(params, key));
  if (refused !== undefined) throw RpcError.invalidParams(`${refused} is not supported with url`);
  const url = (stringParam(params, "url") ?? "").trim();
  if (!/^https?:\/\/\S+$/i.test(url)) throw RpcError.invalidParams(`url must be an http or https URL: ${url}`);
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  requireBridge(session, "send-rich-link");
  const chatId = requireBridgeChat(session, chatGuid);
  if (session.store.chatInfo(chatId).service !== "iMessage") {
    throw RpcError.invalidParams("url sends require a stored iMessage chat");
  }
  const written = writeOutgoing(session, { chatId, text: url, extension: { balloonBundleId: urlBalloonBundleId } });
  return { ok: true, ...richSendIdentity(session, written) };
}
