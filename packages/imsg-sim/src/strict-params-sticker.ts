import type { Params } from "./rpc-params.ts";
import { chatSelectorKeys, chatSelectorText, invalidParams } from "./strict-params-reader.ts";

const stickerKeys = new Set([...chatSelectorKeys, "file", "attach_to", "part_index"]);

function isIntegerLiteral(value: unknown, key: string, fractionalKeys: ReadonlySet<string>): value is number {
  return typeof value === "number" && Number.isInteger(value) && !fractionalKeys.has(key);
}

/**
 * `send.sticker` validates by hand, not with the shared params reader (docs/imsg-protocol.md, Strict params): a key
 * holding `null` still counts as present, identifiers must be "nonempty", and `part_index` has no camelCase alias.
 */
export function checkStickerParams(params: Params, fractionalKeys: ReadonlySet<string>): void {
  const unknown = Object.keys(params)
    .filter((key) => !stickerKeys.has(key))
    .sort();
  if (unknown[0] !== undefined) throw invalidParams(`unknown send.sticker param: ${unknown[0]}`);
  const selectors = chatSelectorKeys.filter((key) => Object.hasOwn(params, key));
  if (selectors.length !== 1) throw invalidParams(chatSelectorText);
  const [selector] = selectors;
  const value = params[selector as string];
  if (selector === "chat_id") {
    if (!isIntegerLiteral(value, "chat_id", fractionalKeys) || value <= 0) {
      throw invalidParams("chat_id must be a positive integer");
    }
  } else if (typeof value !== "string" || value.trim() === "") {
    throw invalidParams(`${selector} must be a nonempty string`);
  }
  if (typeof params.file !== "string" || params.file.trim() === "") throw invalidParams("file is required");
  const attachTo = params.attach_to;
  if (Object.hasOwn(params, "attach_to") && typeof attachTo !== "string") {
    throw invalidParams("attach_to must be a string");
  }
  if (!Object.hasOwn(params, "part_index")) return;
  const part = params.part_index;
  if (!isIntegerLiteral(part, "part_index", fractionalKeys)) throw invalidParams("part_index must be an integer");
  if (typeof attachTo !== "string") throw invalidParams("part_index requires attach_to");
  const embedded = /^p:(\d+)\//.exec(attachTo);
  if (embedded && Number(embedded[1]) !== part) throw invalidParams("part_index does not match attach_to");
}
