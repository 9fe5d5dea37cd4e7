import type { ImsgCall } from "./action-call.ts";
import { type ChunkMode, chunkText } from "./chunk-text.ts";
import { markdownToPlainText } from "./markdown-to-text.ts";
import type { SendTargetParams } from "./send-target.ts";

export interface TextSendOptions {
  target: SendTargetParams;
  /** `channels.imessage.textChunkLimit` (default 4000). */
  textChunkLimit?: number;
  /** `channels.imessage.chunkMode` (default `length`). */
  chunkMode?: ChunkMode;
  /** The gateway's own text (command answers): sent as written, only chunked, since markdown would eat its `*` and `__`. */
  asWritten?: boolean;
}

/**
 * A reply's text → the `send` requests that deliver it, in order: markdown rendered to plain text (unless
 * `asWritten`), then cut into chunks. Pure; a `Delivery` of `createMessageSender` sends each one once.
 */
export function planTextSends(text: string, options: TextSendOptions): ImsgCall[] {
  const plain = options.asWritten ? text : markdownToPlainText(text);
  const chunks = chunkText(plain, {
    ...(options.textChunkLimit === undefined ? {} : { limit: options.textChunkLimit }),
    ...(options.chunkMode === undefined ? {} : { mode: options.chunkMode }),
  });
  return chunks.map((chunk) => ({ method: "send", params: { ...options.target, text: chunk } }));
}
