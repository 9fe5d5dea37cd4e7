export { type ActionCallContext, buildActionCall, type ImsgCall, plainSendFor } from "./action-call.ts";
export {
  type ActionFlagName,
  type ActionFlags,
  type ActionName,
  type ActionSpec,
  type ActionVisibility,
  actionAliases,
  actionNames,
  actionSpecs,
  actionVisibility,
  advertisedActions,
  canonicalActionName,
  type VisibilityContext,
} from "./action-catalog.ts";
export {
  type ActionContext,
  type ActionExecutor,
  type ActionExecutorOptions,
  type ActionOutcome,
  type ActionRequest,
  createActionExecutor,
  type ImsgCallFunction,
} from "./action-executor.ts";
export type { ActionParams } from "./action-params.ts";
export { type CallFailureKind, classifyCallFailure } from "./call-failure.ts";
export {
  BridgeCapability,
  type BridgeCapabilityOptions,
  type CapabilitySnapshot,
  capabilityFromProbe,
  capabilityFromStatus,
  type ImsgStatusJson,
  receiptPlan,
  unknownCapability,
} from "./capability.ts";
export { type ChunkMode, type ChunkOptions, chunkText, defaultTextChunkLimit } from "./chunk-text.ts";
export { effectNames, expandEffectId } from "./effect.ts";
export { markdownToPlainText, renderInline } from "./markdown-to-text.ts";
export {
  base64ByteLength,
  checkMediaSize,
  defaultMediaMaxMb,
  type MediaLimits,
  type MediaPlan,
  type MediaStaging,
  type OutboundAttachment,
  planBufferMedia,
  planMedia,
  safeFilename,
  stageMedia,
} from "./media.ts";
export { isShortMessageId, messageIdUnknownError, resolveMessageGuid } from "./message-id.ts";
export {
  createMessageSender,
  type Delivery,
  type DeliveryOptions,
  type MessageSender,
  type MessageSenderOptions,
  type PartAttempt,
  type PartIdentity,
  type SendMode,
  type SentMessage,
  type TrackedSendState,
} from "./message-sender.ts";
export { bridgeRequiredError, OutboundError, type OutboundErrorCode } from "./outbound-error.ts";
export { fileSendCall } from "./reply-media.ts";
export { planTextSends, type TextSendOptions } from "./reply-text.ts";
export {
  type ChatIdentity,
  type ChatTargetParams,
  chatParamsForBridge,
  resolveSendTarget,
  type SendTargetParams,
  sendParamsForChat,
  sendParamsForTarget,
} from "./send-target.ts";
export { findSentRow, type SentRowQuery } from "./sent-row.ts";
export { normalizeTapback, type TapbackKind, tapbackKinds } from "./tapback.ts";
export { isTrackableSend, trackedSendGuid, trackedSendMethods, trackedSendsUsable } from "./tracked-send.ts";
