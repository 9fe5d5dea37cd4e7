export { type ChunkMode, type ChunkOptions, chunkText, defaultTextChunkLimit } from "./chunk-text.ts";
export { effectNames, expandEffectId } from "./effect.ts";
export { markdownToPlainText, renderInline } from "./markdown-to-text.ts";
export {
  base64ByteLength,
  checkMediaSize,
  defaultMediaMaxMb,
  type MediaLimits,
  type MediaPlan,
  type OutboundAttachment,
  planBufferMedia,
  planMedia,
  safeFilename,
} from "./media.ts";
export { bridgeRequiredError, OutboundError, type OutboundErrorCode } from "./outbound-error.ts";
export {
  type ChatIdentity,
  type ChatTargetParams,
  chatParamsForBridge,
  resolveSendTarget,
  type SendTargetParams,
  sendParamsForChat,
  sendParamsForTarget,
} from "./send-target.ts";
export { normalizeTapback, type TapbackKind, tapbackKinds } from "./tapback.ts";
