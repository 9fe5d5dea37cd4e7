import { ImsgRpcError, RequestTimeoutError, RpcClientError } from "@imessage-channel/rpc-client";

/**
 * What a failed `send` means for the next step (docs/imsg-protocol.md#typed-errors):
 * - `resend`: imsg provably did not run it (`not_started` with `retry_safe`, a blocked lane that refused it, a busy
 *   server, a client that refused it locally): send it again, after `delayMs`;
 * - `reconnect`: the connection went away under it, or it timed out: whether it went out is unknown, so look it up
 *   in history once connected, and send it again only when it is not there (what imsg before 0.14 leaves us);
 * - `confirm`: imsg 0.14+ says it may have gone out and a resend is not safe (`may_have_completed`,
 *   `still_in_flight`): look it up, never send it again;
 * - `fail`: anything else.
 */
export type SendFailure =
  | { next: "resend"; delayMs: number; why: string }
  | { next: "reconnect"; timedOut: boolean }
  | { next: "confirm"; disposition: string; detail?: string }
  | { next: "fail" };

/** Back-pressure (-32000) waits this long at most before the next try, jittered so senders spread out. */
const busyDelayMaxMs = 250;

export function classifySendFailure(error: unknown, random: () => number = Math.random): SendFailure {
  if (RequestTimeoutError.isInstance(error)) return { next: "reconnect", timedOut: true };
  if (RpcClientError.isInstance(error)) {
    if (error.code === "MUTATIONS_BLOCKED") return { next: "resend", delayMs: 0, why: "the mutation lane was blocked" };
    if (["CHILD_EXITED", "NOT_CONNECTED", "CLIENT_CLOSED"].includes(error.code))
      return { next: "reconnect", timedOut: false };
    return { next: "fail" };
  }
  if (!ImsgRpcError.isInstance(error)) return { next: "fail" };
  // -32004: the lane was blocked before this send ran; the restarted child takes it.
  if (error.code === -32004) return { next: "resend", delayMs: 0, why: "the mutation lane was blocked" };
  if (error.busy)
    return { next: "resend", delayMs: Math.round(busyDelayMaxMs * (0.5 + random() / 2)), why: "imsg was busy" };
  const delivery = error.delivery;
  if (delivery === undefined) return { next: "fail" };
  if (delivery.disposition === "not_started" && delivery.retrySafe)
    return { next: "resend", delayMs: 0, why: "imsg refused it before dispatch" };
  return {
    next: "confirm",
    disposition: delivery.disposition,
    ...(delivery.detail === undefined ? {} : { detail: delivery.detail }),
  };
}
