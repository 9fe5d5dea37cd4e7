import { describe, expect, it } from "vitest";
import { bridgeHasSelector } from "./bridge-features.ts";
import { type BridgeState, defaultBridgeState, defaultSelectors } from "./bridge-state.ts";

const up: BridgeState = { ...defaultBridgeState, sip: "disabled", launched: true };

describe("bridge selectors of 0.15", () => {
  it("a current bridge that is up has both", () => {
    expect(bridgeHasSelector(up, "clientMessageGuidReservation")).toBe(true);
    expect(bridgeHasSelector(up, "emojiTapbackSend")).toBe(true);
  });

  it("a bridge that is down or fallen has none", () => {
    expect(bridgeHasSelector(defaultBridgeState, "emojiTapbackSend")).toBe(false);
    expect(bridgeHasSelector({ ...up, fallen: true }, "clientMessageGuidReservation")).toBe(false);
  });

  it("a selector turned off in the state file is missing, the other stays", () => {
    const old: BridgeState = { ...up, selectors: { ...defaultSelectors, emojiTapbackSend: false } };
    expect(bridgeHasSelector(old, "emojiTapbackSend")).toBe(false);
    expect(bridgeHasSelector(old, "clientMessageGuidReservation")).toBe(true);
  });
});
