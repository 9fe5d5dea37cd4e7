import { ChannelError } from "@imessage-channel/kit";

/** Base error of the catchup package: a string `code` plus a marker that survives duplicate installs. */
export class CatchupError extends ChannelError {}
