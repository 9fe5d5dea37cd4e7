import type { ImsgCall } from "./action-call.ts";
import type { SendTargetParams } from "./send-target.ts";

/** The `send` of one staged file; text goes in its own sends because the bridge refuses text and file together. */
export function fileSendCall(target: SendTargetParams, stagedPath: string): ImsgCall {
  return { method: "send", params: { ...target, file: stagedPath } };
}
