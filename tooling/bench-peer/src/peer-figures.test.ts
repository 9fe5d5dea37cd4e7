import { describe, expect, it } from "vitest";
import { peerRows, type RepetitionResult, type Sizes } from "./peer-figures.ts";

const sizes: Sizes = {
  notifications: 100_000,
  roundTrips: 5_000,
  inFlight: 16,
  warmReplies: 500,
  realReplies: 100,
  repetitions: 3,
};

function repetition(scale: number): RepetitionResult {
  return {
    inbound: { ours: 240_000 * scale, reference: 200_000 * scale, bare: 280_000 * scale },
    roundTrip: { ours: 70 / scale, reference: 100 / scale, bare: 60 / scale },
    inFlight: { ours: 40_000 * scale, reference: 30_000 * scale },
    warmReply: { ours: { p50: 0.4 / scale, p99: 4 / scale }, reference: { p50: 16 / scale, p99: 120 / scale } },
    warmTrackedReply: {
      ours: { p50: 0.2 / scale, p99: 6 / scale },
      reference: { p50: 15 / scale, p99: 110 / scale },
    },
    realReply: { ours: { p50: 0.4 / scale, p99: 4 / scale }, reference: { p50: 90 / scale, p99: 150 / scale } },
    rss: { ours: 110, reference: 180 },
  };
}

describe("peerRows", () => {
  it("judges each goal of issue 22 on the paired medians, whichever way the ratio is oriented", () => {
    // The machine slowed in repetition 2 and sped up in 3: every ratio stays the same.
    const rows = peerRows([repetition(1), repetition(0.5), repetition(1.25)], sizes);
    const byId = Object.fromEntries(rows.map((row) => [row.id, row]));
    expect(byId.inbound?.ratio.perRepetition).toEqual([1.2, 1.2, 1.2]);
    expect(byId.inbound?.goals).toEqual([{ label: "≥ 1.2× reference", met: true }]);
    expect(byId["inbound-vs-bare"]?.goals).toEqual([{ label: "≥ 0.8× bare loop", met: true }]);
    expect(byId["round-trip"]?.ratio.median).toBeCloseTo(0.7);
    expect(byId["round-trip"]?.goals).toEqual([{ label: "≤ 0.8× reference's time", met: true }]);
    expect(byId["reply-warm-p50"]?.ratio.median).toBeCloseTo(40);
    expect(byId["reply-warm-p50"]?.goals).toEqual([
      { label: "ours ≤ 0.5 ms", met: true },
      { label: "≥ 30× faster", met: true },
    ]);
    expect(byId["reply-warm-p99"]?.goals).toEqual([{ label: "ours ≤ 5 ms", met: true }]);
    // Tracked sends are judged on their own pairs: 75× faster at p50, over the bound at p99.
    expect(byId["reply-warm-tracked-p50"]?.ratio.median).toBeCloseTo(75);
    expect(byId["reply-warm-tracked-p99"]?.goals).toEqual([{ label: "ours ≤ 5 ms", met: false }]);
    expect(byId["reply-real-p50"]?.ratio.median).toBeCloseTo(225);
    expect(byId["reply-real-p50"]?.goals).toEqual([{ label: "≥ 200× faster", met: true }]);
    expect(byId.rss?.goals).toEqual([]);
  });

  it("marks a goal missed when a paired median falls short, and reports medians over the repetitions", () => {
    const slow = repetition(1);
    slow.inbound.ours = 100_000;
    slow.warmReply.ours.p50 = 2;
    const rows = peerRows([slow, slow, repetition(1)], sizes);
    const byId = Object.fromEntries(rows.map((row) => [row.id, row]));
    expect(byId.inbound?.ours).toBe(100_000);
    expect(byId.inbound?.goals[0]?.met).toBe(false);
    expect(byId["reply-warm-p50"]?.goals.map((goal) => goal.met)).toEqual([false, false]);
    expect(byId["reply-warm-p50"]?.other).toBe(16);
  });

  it("names the sizes it ran in the figures", () => {
    const rows = peerRows([repetition(1)], { ...sizes, notifications: 10_000, roundTrips: 500 });
    expect(rows.map((row) => row.figure)).toContain(
      "inbound: 10k `message` notifications through the client to a handler",
    );
    expect(rows.find((row) => row.id === "round-trip")?.figure).toContain("500 sequential");
  });
});
