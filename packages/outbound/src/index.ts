export { type ChunkMode, type ChunkOptions, chunkText, defaultTextChunkLimit } from "./chunk-text.ts";
export { markdownToPlainText, renderInline } from "./markdown-to-text.ts";
export { bridgeRequiredError, OutboundError, type OutboundErrorCode } from "./outbound-error.ts";
