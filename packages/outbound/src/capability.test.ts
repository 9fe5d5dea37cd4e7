import { recordingLogger } from "@imessage-channel/kit";
import type { ImsgCapabilities } from "@imessage-channel/rpc-client";
import { describe, expect, it } from "vitest";
import { BridgeCapability, type BridgeCapabilityOptions, bridgeDownTtlMs } from "./capability.ts";

const methods = ["chats.list", "send", "tapback", "read", "typing"];
/** Read receipts and typing both on, or both off. */
const on = { markRead: true, typing: true };
const off = { markRead: false, typing: false };

/** What `probeCapabilities` returns for a 0.9.0 Mac, with the bridge up or down. */
function probed(up: boolean, rpcMethods: string[] = methods): ImsgCapabilities {
  const selectors: Record<string, boolean> = up ? { editMessageItem: true, retractMessagePart: true } : {};
  return {
    version: "0.9.0",
    rpcSupported: true,
    rpcMethods,
    privateApi: { available: up, selectors },
    status: {
      advancedFeatures: up,
      selectors,
      rpcMethods,
      sip: up ? "disabled" : "enabled",
      message: up ? "Connected to Messages.app." : "System Integrity Protection (SIP) is enabled.\nMore text.",
    },
    problems: [],
  };
}

/** imsg 0.7.0: status has no rpc_methods, so the methods come from the version table. */
const oldBuild: ImsgCapabilities = {
  version: "0.7.0",
  rpcSupported: true,
  rpcMethods: ["chats.list", "messages.history", "watch.subscribe", "watch.unsubscribe", "send"],
  privateApi: { available: false, selectors: {} },
  status: { advancedFeatures: false, selectors: {} },
  problems: [],
};

/** A capability owner on a hand-moved clock, whose probe answers from `answers` (the last one repeats). */
function owner(answers: ImsgCapabilities[], options: Partial<BridgeCapabilityOptions> = {}) {
  let now = 1_000_000;
  let probes = 0;
  const lines: string[] = [];
  const bridge = new BridgeCapability({
    probe: async () => answers[Math.min(probes++, answers.length - 1)]!,
    logger: recordingLogger(lines),
    now: () => now,
    ...options,
  });
  return {
    bridge,
    lines,
    probes: () => probes,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe("BridgeCapability: one owner of the bridge verdict", () => {
  it("holds the first row's receipts until the first probe answered, instead of calling blind", async () => {
    let answer: (capabilities: ImsgCapabilities) => void = () => {};
    const { bridge } = owner([], { probe: () => new Promise((resolve) => (answer = resolve)) });
    let settled: { markRead: boolean; typing: boolean } | "pending" = "pending";
    const asking = bridge.receipts(true).then((plan) => (settled = plan));
    await Promise.resolve();
    expect(settled).toBe("pending");
    answer(probed(true));
    await asking;
    expect(settled).toEqual(on);
  });

  it("skips the first row's receipts when the first probe takes longer than the wait", async () => {
    const { bridge } = owner([], { probe: () => new Promise(() => {}), firstProbeWaitMs: 5 });
    expect(await bridge.receipts(true)).toEqual(off);
  });

  it("believes a down verdict for 10 s, then probes again behind the next receipt", async () => {
    const { bridge, probes, advance } = owner([probed(false), probed(true)]);
    expect(await bridge.receipts(true)).toEqual(off);
    advance(bridgeDownTtlMs - 1);
    expect(await bridge.receipts(true)).toEqual(off);
    expect(probes()).toBe(1);
    advance(1);
    // Answered from the expired verdict at once; the refresh runs behind it.
    expect(await bridge.receipts(true)).toEqual(off);
    expect(probes()).toBe(2);
    await bridge.refresh();
    expect(await bridge.receipts(true)).toEqual(on);
  });

  it("reads an expired verdict as unknown for actions, so they probe lazily", async () => {
    const { bridge, advance } = owner([probed(false)]);
    await bridge.refresh();
    expect(bridge.snapshot().status).toBe("unavailable");
    advance(bridgeDownTtlMs);
    expect(bridge.snapshot()).toMatchObject({ status: "unknown", rpcMethods: methods });
  });

  it("takes a failed bridge call as down for everyone and probes again", async () => {
    const { bridge, probes, lines } = owner([probed(true), probed(true)]);
    await bridge.refresh();
    expect(await bridge.receipts(true)).toEqual(on);
    bridge.bridgeFailed();
    expect(bridge.snapshot().status).toBe("unavailable");
    expect(await bridge.receipts(true)).toEqual(off);
    expect(probes()).toBe(2);
    await bridge.refresh();
    expect(bridge.snapshot().status).toBe("available");
    expect(lines.filter((line) => line.startsWith("info "))).toEqual([
      "info imsg private API bridge is up: tapbacks, edits, effects, read receipts and typing work",
      "info imsg private API bridge is down (a bridge call failed): actions that need it fail and read receipts and typing are off until `imsg launch` on the Mac; the next action checks again",
      "info imsg private API bridge is up: tapbacks, edits, effects, read receipts and typing work",
    ]);
  });

  it("shares one probe between everyone who asks while it runs", async () => {
    const { bridge, probes } = owner([probed(false)]);
    await Promise.all([bridge.refresh(), bridge.refresh(), bridge.receipts(true)]);
    expect(probes()).toBe(1);
  });

  it("gates receipts off on a build without rpc_methods and says so once per start, however often it probes", async () => {
    const { bridge, lines, advance } = owner([oldBuild]);
    expect(await bridge.receipts(true)).toEqual(off);
    for (let probe = 0; probe < 3; probe++) {
      advance(bridgeDownTtlMs);
      await bridge.refresh();
    }
    expect(lines.filter((line) => line.includes("predates the per-method capability list"))).toEqual([
      "warn imsg build predates the per-method capability list (rpc_methods); read receipts and typing are off; upgrade imsg to 0.7.3 or later",
    ]);
  });

  it("plans read and typing apart: sendReadReceipts off keeps typing, a build without read keeps typing", async () => {
    expect(await owner([probed(true)]).bridge.receipts(false)).toEqual({ markRead: false, typing: true });
    const withoutRead = owner([probed(true, ["chats.list", "send", "typing"])]).bridge;
    expect(await withoutRead.receipts(true)).toEqual({ markRead: false, typing: true });
  });

  it("hands the action executor its verdict, its probe and its failure report", async () => {
    const { bridge, probes } = owner([probed(false), probed(true)]);
    const seams = bridge.forActions();
    expect(seams.capability().status).toBe("unknown");
    expect((await seams.probe()).status).toBe("unavailable");
    expect((await seams.probe()).status).toBe("available");
    seams.markStale();
    expect(seams.capability().status).toBe("unavailable");
    expect(probes()).toBe(3);
  });
});
