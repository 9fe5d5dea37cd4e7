import { ChannelError } from "@imessage-channel/kit";

/** Base error of imsg-sim: a string `code` plus a marker that survives duplicate installs. */
export class ImsgSimError extends ChannelError {}
