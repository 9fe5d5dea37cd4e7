export { type Clock, systemClock } from "@imessage-channel/kit";
export { type Coalescer, type CoalescerOptions, createCoalescer } from "./coalescer.ts";
export { CoalescerError, type CoalescerErrorCode } from "./coalescer-error.ts";
export {
  type CoalescibleMessage,
  imsgMessageAccessors,
  isUrlOnlyText,
  messageKey,
} from "./imsg-message.ts";
export { type CoalescedTurn, capText, mergeableText, mergeLimits, type RowAccessors } from "./merge.ts";
