import { run } from "./bridge-action.ts";
import { requireBridgeMessage } from "./bridge-call.ts";
import { resolveBridgeChatGuid } from "./chat-target.ts";
import { expandImsgHome } from "./home-path.ts";
import { stageAttachment, writeOutgoing } from "./outgoing.ts";
import { RpcError } from "./rpc-error.ts";
import type { Params } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";
import { stickerProblem } from "./sticker-image.ts";

const stickerKeys = new Set(["chat_id", "chat_identifier", "chat_guid", "file", "attach_to", "part_index"]);
const selectorKeys = ["chat_id", "chat_identifier", "chat_guid"] as const;

/** The target of `attach_to`: a bare GUID or `p:N/GUID`, and the part it names. */
function attachTarget(params: Params): { guid: string; part: number } | undefined {
  if (!Object.hasOwn(params, "attach_to")) {
    if (Object.hasOwn(params, "part_index")) throw RpcError.invalidParams("part_index requires attach_to");
    return undefined;
  }
  const raw = params.attach_to;
  if (typeof raw !== "string") throw RpcError.invalidParams("attach_to must be a string");
  const embedded = /^p:(\d+)\/(.+)$/.exec(raw);
  const guid = embedded ? embedded[2]! : raw;
  let part = embedded ? Number(embedded[1]) : 0;
  if (Object.hasOwn(params, "part_index")) {
    const index = params.part_index;
    if (typeof index !== "number" || !Number.isInteger(index))
      throw RpcError.invalidParams("part_index must be an integer");
    if (embedded && index !== part) throw RpcError.invalidParams("part_index must match the part in attach_to");
    part = index;
  }
  return { guid, part };
}

/** send.sticker's hand-written checks, in imsg's order: its own texts ("nonempty"), a `null` selector counts as given. */
function validateSticker(params: Params): { file: string } {
  const unknown = Object.keys(params)
    .sort()
    .find((key) => !stickerKeys.has(key));
  if (unknown !== undefined) throw RpcError.invalidParams(`unknown send.sticker param: ${unknown}`);
  const selectors = selectorKeys.filter((key) => Object.hasOwn(params, key));
  if (selectors.length !== 1) {
    throw RpcError.invalidParams("exactly one of chat_id, chat_identifier, or chat_guid is required");
  }
  const selector = selectors[0]!;
  const value = params[selector];
  if (selector === "chat_id") {
    if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
      throw RpcError.invalidParams("chat_id must be a positive integer");
    }
  } else if (typeof value !== "string" || value.trim() === "") {
    throw RpcError.invalidParams(`${selector} must be a nonempty string`);
  }
  const file = params.file;
  if (typeof file !== "string" || file.trim() === "") throw RpcError.invalidParams("file is required");
  return { file: expandImsgHome(file) };
}

/**
 * `send.sticker` (0.13, docs/imsg-protocol.md, New methods): an image sent as a sticker into an iMessage chat,
 * optionally placed on a message of that chat. Answers the transfer (attachment) guid, and the message guid.
 */
export function sendSticker(params: Params, session: SimSession): Record<string, unknown> {
  const { file } = validateSticker(params);
  const target = attachTarget(params);
  const problem = stickerProblem(file);
  if (problem !== undefined) throw RpcError.invalidParams(problem);
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  const chatId = run(session, "send-sticker", chatGuid);
  if (session.store.chatInfo(chatId).service !== "iMessage") {
    throw RpcError.invalidParams("stickers can only be sent to iMessage chats");
  }
  if (target) {
    const rowid = requireBridgeMessage(session, target.guid);
    const inChat = session.store.database
      .prepare("SELECT 1 AS found FROM chat_message_join WHERE chat_id = ? AND message_id = ?")
      .get(chatId, rowid);
    if (!inChat) throw RpcError.invalidParams(`attach_to message ${target.guid} is not in this chat`);
  }
  const written = writeOutgoing(session, { chatId, text: "", file: stageAttachment(file), sticker: true });
  const writer = session.writer();
  if (target) {
    writer
      .prepare("UPDATE message SET associated_message_guid = ?, associated_message_type = 1000 WHERE ROWID = ?")
      .run(`p:${target.part}/${target.guid}`, written.rowid);
  }
  const transfer = writer
    .prepare(
      "SELECT a.guid AS guid FROM message_attachment_join j JOIN attachment a ON a.ROWID = j.attachment_id WHERE j.message_id = ?",
    )
    .get(written.rowid) as { guid: string };
  return { ok: true, transfer_guid: transfer.guid, guid: written.guid, message_id: written.guid };
}
