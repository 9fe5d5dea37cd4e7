import { ChannelError } from "@imessage-channel/kit";

/** Every failure this package reports on purpose; callers branch on `code`. */
export type CoalescerErrorCode = "WINDOW_INVALID";

/** The base error of `@imessage-channel/coalescer`: a string `code` and a one-line message saying what to do. */
export class CoalescerError extends ChannelError<CoalescerErrorCode> {}
