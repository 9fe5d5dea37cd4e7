import { describe, expect, it } from "vitest";
import { bridgeHasSelector, capabilityFeatures } from "./bridge-features.ts";
import { type BridgeState, defaultBridgeState, defaultSelectors } from "./bridge-state.ts";

const up: BridgeState = { ...defaultBridgeState, sip: "disabled", launched: true };

describe("bridge capabilities of 0.15", () => {
  it("a current bridge that is up has both selectors and reports tapback.emoji 2", () => {
    expect(bridgeHasSelector(up, "clientMessageGuidReservation")).toBe(true);
    expect(capabilityFeatures(up)).toEqual({ "tapback.emoji": 2 });
  });

  it("a bridge that is down or fallen has no selectors and reports no features", () => {
    expect(bridgeHasSelector(defaultBridgeState, "emojiTapbackSend")).toBe(false);
    expect(capabilityFeatures({ ...up, fallen: true })).toEqual({});
  });

  it("a selector turned off in the state file is missing", () => {
    const old: BridgeState = { ...up, selectors: { ...defaultSelectors, emojiTapbackSend: false } };
    expect(capabilityFeatures(old)).toEqual({});
    expect(bridgeHasSelector(old, "clientMessageGuidReservation")).toBe(true);
  });
});
