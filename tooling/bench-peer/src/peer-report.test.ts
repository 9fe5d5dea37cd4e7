import { describe, expect, it } from "vitest";
import { type PeerRow, peerRows, type RepetitionResult } from "./peer-figures.ts";
import { goalText, ratioText, renderPeerConsoleTable, renderPeerSection } from "./peer-report.ts";

const machine = { cpuModel: "AMD EPYC", cores: 2, memoryGiB: 24, os: "Debian GNU/Linux 12", node: "v24.21.0" };
const sizes = {
  notifications: 100_000,
  roundTrips: 5_000,
  inFlight: 16,
  warmReplies: 500,
  realReplies: 100,
  repetitions: 2,
};
const result: RepetitionResult = {
  inbound: { ours: 180_000, reference: 220_000, bare: 300_000 },
  roundTrip: { ours: 90, reference: 70, bare: 63 },
  inFlight: { ours: 25_000, reference: 32_000 },
  warmReply: { ours: { p50: 2.3, p99: 9 }, reference: { p50: 6.1, p99: 40 } },
  warmTrackedReply: { ours: { p50: 0.3, p99: 2 }, reference: { p50: 6.2, p99: 41 } },
  realReply: { ours: { p50: 2.4, p99: 10 }, reference: { p50: 60, p99: 90 } },
  rss: { ours: 120, reference: 175 },
};
const faster = { ...result, inbound: { ...result.inbound, ours: 200_000 } };

function row(id: string, rows: PeerRow[]): PeerRow {
  return rows.find((candidate) => candidate.id === id)!;
}

describe("renderPeerSection", () => {
  const rows = peerRows([result, faster], sizes);
  const markdown = renderPeerSection({
    rows,
    sizes,
    mode: "full",
    machine,
    startedAt: new Date("2026-12-03T19:00:00Z"),
    durationSeconds: 185,
    loadAverage: { atStart: 0.3, atEnd: 1.2 },
    referenceVersion: "2026.9.6",
    notificationBytes: 523.4,
  });

  it("names the reference's version, the machine, the date and the command", () => {
    expect(markdown.startsWith("## Side by side with the reference\n")).toBe(true);
    expect(markdown).toContain("`openclaw@2026.9.6` + `@openclaw/imessage@2026.9.6`");
    expect(markdown).toContain("AMD EPYC, 2 cores, 24 GiB, Node v24.21.0 (Debian GNU/Linux 12)");
    expect(markdown).toContain("started 2026-12-03 19:00 UTC, took 3 min 5 s");
    expect(markdown).toContain("`pnpm bench:peer`");
    expect(markdown).toContain("of 523 B on average");
  });

  it("shows each figure ours against the reference with its paired ratio and whether its goal was met", () => {
    const table = markdown.split("\n").filter((line) => line.startsWith("| "));
    expect(table[0]).toBe("| figure | ours | reference | paired ratio | goal |");
    expect(table).toContain(
      "| inbound: 100k `message` notifications through the client to a handler | 200,000 notifications/s | 220,000 notifications/s | ours / reference: 0.909× (0.818–0.909×) | ≥ 1.2× reference ✗ missed |",
    );
    expect(table.find((line) => line.includes("bare loop: 300,000 notifications/s"))).toBeDefined();
    expect(table.find((line) => line.startsWith("| RSS after 100k"))).toContain("| — (reported) |");
    expect(markdown).toContain("2 of 10 goals of issue 22 met.");
    expect(markdown).toContain("[performance-profiles.md](performance-profiles.md)");
    // The floor: the bare client's median round trip over the reference's (63 / 70).
    expect(markdown).toContain("The bare client's round trip took 0.9× the reference's");
  });
});

describe("the cells", () => {
  const rows = peerRows([result, faster], sizes);

  it("give the ratio's median and its range, or the one value of a single repetition", () => {
    expect(ratioText(row("inbound", rows))).toBe("0.909× (0.818–0.909×)");
    expect(ratioText(row("inbound", peerRows([result], { ...sizes, repetitions: 1 })))).toBe("0.818×");
  });

  it("list every goal of a figure with its verdict", () => {
    expect(goalText(row("reply-warm-p50", rows))).toBe("ours ≤ 0.5 ms ✗ missed; ≥ 30× faster ✗ missed");
    const met = peerRows([{ ...result, roundTrip: { ours: 50, reference: 70, bare: 45 } }], {
      ...sizes,
      repetitions: 1,
    });
    expect(goalText(row("round-trip", met))).toBe("≤ 0.8× reference's time ✓");
  });

  it("line up in the terminal table, one row per figure", () => {
    const lines = renderPeerConsoleTable(rows).split("\n");
    expect(lines).toHaveLength(rows.length + 1);
    expect(lines[0]?.indexOf("ours")).toBe(lines[1]?.indexOf("200,000"));
  });
});
