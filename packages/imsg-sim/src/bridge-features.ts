import { type BridgeState, isBridgeUp } from "./bridge-state.ts";

/** The 0.15 bridge selectors that gate methods and capabilities (docs/imsg-protocol.md, Bridge capabilities). */
export type BridgeFeatureSelector = "clientMessageGuidReservation" | "emojiTapbackSend";

/**
 * Whether the running bridge has a 0.15 selector: never while the bridge is down; when up, the state file's value,
 * and a current bridge (the default) has both. Tests turn one off with `selectors: {<name>: false}`.
 */
export function bridgeHasSelector(state: BridgeState, selector: BridgeFeatureSelector): boolean {
  if (!isBridgeUp(state)) return false;
  return state.selectors[selector] ?? true;
}

/** `capabilities.features` of 0.15's `initialize`/`status`: `{"tapback.emoji": 2}` while the bridge can send emoji. */
export function capabilityFeatures(state: BridgeState): Record<string, number> {
  return bridgeHasSelector(state, "emojiTapbackSend") ? { "tapback.emoji": 2 } : {};
}
