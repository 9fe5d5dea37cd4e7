import { run } from "./bridge-action.ts";
import { resolveBridgeChatGuid } from "./chat-target.ts";
import { expandEffect } from "./methods-bridge.ts";
import { richSendIdentity } from "./methods-rich-send.ts";
import { writeOutgoing } from "./outgoing.ts";
import { RpcError } from "./rpc-error.ts";
import { type Params, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

const refusedPartKeys = ["attachment", "file", "mention", "mentions"];
const partKeys = new Set(["text", "text_formatting", "textFormatting"]);

/** The texts of `parts`, with imsg's per-part rules (docs/imsg-protocol.md, New methods). */
function partTexts(params: Params): string[] {
  const parts = params.parts;
  if (parts === undefined) throw RpcError.invalidParams("parts is required");
  if (!Array.isArray(parts) || parts.length < 1 || parts.length > 20) {
    throw RpcError.invalidParams("parts must contain between 1 and 20 text parts");
  }
  return parts.map((part: unknown, index) => {
    const fields = typeof part === "object" && part !== null && !Array.isArray(part) ? (part as Params) : {};
    const keys = Object.keys(fields).sort();
    const refused = keys.find((key) => refusedPartKeys.includes(key));
    if (refused !== undefined) throw RpcError.invalidParams(`${refused} parts are not supported`);
    const unknown = keys.find((key) => !partKeys.has(key));
    if (unknown !== undefined) throw RpcError.invalidParams(`unknown send.multipart parts[${index}] param: ${unknown}`);
    const text = fields.text;
    if (typeof text !== "string" || text.trim() === "") {
      throw RpcError.invalidParams(`parts[${index}].text must be a non-empty string`);
    }
    return text;
  });
}

/**
 * `send.multipart` (0.14): one message of several text parts, answered only after its row is observed. The sim writes
 * the parts' texts joined into one row with `part_count` set.
 */
export function sendMultipart(params: Params, session: SimSession): Record<string, unknown> {
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  const texts = partTexts(params);
  const effect = stringParam(params, "effect_id", "effectId", "effect");
  const chatId = run(session, "send-multipart", chatGuid);
  const written = writeOutgoing(session, {
    chatId,
    text: texts.join(""),
    ...(effect === undefined || effect === "" ? {} : { effectId: expandEffect(effect) }),
  });
  session.writer().prepare("UPDATE message SET part_count = ? WHERE ROWID = ?").run(texts.length, written.rowid);
  return { ok: true, id: written.rowid, ...richSendIdentity(session, written), parts_count: texts.length };
}
