import { ChannelError } from "@imessage-channel/kit";

/** Every failure this package reports on purpose; callers branch on `code`. */
export type PolicyErrorCode = "TARGET_INVALID";

/** The base error of `@imessage-channel/policy`: a string `code` and a one-line message saying what to do. */
export class PolicyError extends ChannelError<PolicyErrorCode> {}
