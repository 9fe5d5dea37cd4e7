import { describe, expect, it } from "vitest";
import { bridgeHasSelector, capabilityFeatures } from "./bridge-features.ts";
import { type BridgeState, defaultBridgeState, defaultSelectors } from "./bridge-state.ts";
import { methodOfferedNow } from "./method-availability.ts";
import type { SchemaCapabilities } from "./schema-probe.ts";

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

describe("methods offered right now", () => {
  const schema = { scheduling: false } as SchemaCapabilities;

  it("messages.scheduled needs the scheduling columns and send.tracked the reservation selector", () => {
    expect(methodOfferedNow("messages.scheduled", schema, up)).toBe(false);
    expect(methodOfferedNow("messages.scheduled", { ...schema, scheduling: true }, up)).toBe(true);
    expect(methodOfferedNow("send.tracked", schema, up)).toBe(true);
    expect(methodOfferedNow("send.tracked", schema, defaultBridgeState)).toBe(false);
    expect(methodOfferedNow("messages.after", schema, defaultBridgeState)).toBe(true);
  });
});
