export { type Clock, systemClock } from "@imessage-channel/kit";
export { type Coalescer, type CoalescerOptions, createCoalescer } from "./coalescer.ts";
export { CoalescerError, type CoalescerErrorCode } from "./coalescer-error.ts";
export { type CoalescibleMessage, endsComposition, imsgMessageAccessors, messageKey } from "./imsg-message.ts";
export {
  type CoalescedTurn,
  capText,
  isUrlOnlyText,
  mergeableText,
  mergeLimits,
  type RowAccessors,
  textHoldsUrl,
} from "./merge.ts";
export { type PreviewableMessage, UrlPreviewMemory, urlBalloonBundleId } from "./url-preview-memory.ts";
