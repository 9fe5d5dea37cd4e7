import { bridgeHasSelector } from "./bridge-features.ts";
import type { BridgeState } from "./bridge-state.ts";
import type { SchemaCapabilities } from "./schema-probe.ts";

/**
 * Whether a method the release has is offered right now (the `methods` list of 0.14+ `initialize`/`status`):
 * `messages.scheduled` needs chat.db's scheduling columns, `send.tracked` the bridge's `clientMessageGuidReservation`.
 * Every other method of the release is always offered.
 */
export function methodOfferedNow(method: string, schema: SchemaCapabilities, bridge: BridgeState): boolean {
  if (method === "messages.scheduled") return schema.scheduling;
  if (method === "send.tracked") return bridgeHasSelector(bridge, "clientMessageGuidReservation");
  return true;
}
