import { v2SelectorDefaults } from "./bridge-probe.ts";
import { type BridgeState, isBridgeUp } from "./bridge-state.ts";

/** The 0.15 bridge selectors that gate methods and capabilities (docs/imsg-protocol.md, initialize and status). */
export type BridgeFeatureSelector = "clientMessageGuidReservation" | "emojiTapbackSend";

/**
 * Whether the running bridge has a selector now: never while the bridge is down; when up, the state file's value
 * over what a current helper reports (`v2SelectorDefaults`, both 0.15 selectors on). The same defaults decide
 * `status`'s `methods` and `capabilities`, so a method offered there is one the handler serves. Tests turn one off
 * with `selectors: {<name>: false}`.
 */
export function bridgeHasSelector(state: BridgeState, selector: BridgeFeatureSelector): boolean {
  if (!isBridgeUp(state)) return false;
  return { ...v2SelectorDefaults, ...state.selectors }[selector] === true;
}
