import { RpcError } from "./rpc-error.ts";

/** How sure imsg 0.14+ is that a failed mutation did not happen (docs/imsg-protocol.md, Typed errors). */
export type DeliveryDisposition = "not_started" | "may_have_completed" | "still_in_flight";

export const deliveryDispositions: readonly DeliveryDisposition[] = [
  "not_started",
  "may_have_completed",
  "still_in_flight",
];

export type DeliveryTransport = "bridge_v2" | "bridge_legacy" | "applescript";

/** The `error.data` object of a typed delivery failure; only `not_started` is safe to retry. */
export interface DeliveryData {
  retry_safe: boolean;
  disposition: DeliveryDisposition;
  transport: DeliveryTransport;
  operation: string;
  detail: string;
}

/** The sim's `detail` per disposition (imsg redacts its own; clients must never parse it). */
const dispositionDetail: Record<DeliveryDisposition, string> = {
  not_started: "The request was refused before dispatch; nothing was sent.",
  may_have_completed: "The mutation failed without an authoritative post-dispatch result.",
  still_in_flight: "The request was dispatched and is still in flight; its outcome is unknown.",
};

export function deliveryData(
  disposition: DeliveryDisposition,
  operation: string,
  transport: DeliveryTransport = "bridge_v2",
  detail: string = dispositionDetail[disposition],
): DeliveryData {
  return { retry_safe: disposition === "not_started", disposition, transport, operation, detail };
}

/** `not_started` is -32603 "Delivery failed before dispatch"; the two uncertain dispositions are -32001. */
export function deliveryFailure(data: DeliveryData): RpcError {
  if (data.disposition === "not_started") {
    return new RpcError(-32603, "Delivery failed before dispatch", { ...data });
  }
  return new RpcError(-32001, "Delivery outcome unknown", { ...data });
}

/** -32004 for every mutation after a `still_in_flight` one: the poisoning failure's object with a new `detail`. */
export function mutationLaneBlocked(poisoning: DeliveryData): RpcError {
  return new RpcError(-32004, "Mutation lane blocked", {
    ...poisoning,
    detail: `A prior ${poisoning.operation} remains in flight. Restart the RPC child before sending another mutation.`,
  });
}
