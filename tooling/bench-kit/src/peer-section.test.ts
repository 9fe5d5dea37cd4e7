import { describe, expect, it } from "vitest";
import { peerSectionOf, withPeerSection, wrapPeerSection } from "./peer-section.ts";
import { renderReport } from "./render-report.ts";

const machine = { cpuModel: "AMD EPYC", cores: 2, memoryGiB: 24, os: "Linux 6.1.0 x86_64", node: "v24.21.0" };
const section = wrapPeerSection(
  "## Side by side with the reference\n\n| figure | ours |\n| --- | --- |\n| inbound | 1× |",
);

function report(peerSection?: string): string {
  return renderReport({
    figures: [{ package: "imessage-channel", id: "p99", figure: "p99", value: 1, unit: "ms" }],
    machine,
    mode: "full",
    startedAt: new Date("2026-05-01T12:00:00Z"),
    durationSeconds: 60,
    silentPackages: [],
    loadAverage: { atStart: 0.5, atEnd: 0.5 },
    peerSection,
  });
}

describe("the peer section of docs/performance.md", () => {
  it("is appended to a report that has none, and found again with its markers", () => {
    const written = withPeerSection(report(), section);
    expect(written.startsWith(report().trimEnd())).toBe(true);
    expect(peerSectionOf(written)).toBe(section);
    expect(written.endsWith(`${section}\n`)).toBe(true);
  });

  it("replaces only what stands between the markers, leaving the rest of the file as it was", () => {
    const before = `${report().trimEnd()}\n\n${wrapPeerSection("old figures")}\n\nA closing line.\n`;
    const after = withPeerSection(before, section);
    expect(after).toBe(before.replace(wrapPeerSection("old figures"), section));
    expect(after).toContain("A closing line.");
  });

  it("keeps a section whose text holds `$&`-like sequences verbatim", () => {
    const tricky = wrapPeerSection("costs $& and $1");
    expect(peerSectionOf(withPeerSection(withPeerSection(report(), section), tricky))).toBe(tricky);
  });

  it("is absent when a marker is missing", () => {
    expect(peerSectionOf(report())).toBeUndefined();
    expect(peerSectionOf(section.replace(/<!-- bench:peer:end -->$/, ""))).toBeUndefined();
  });

  it("survives `pnpm bench` rewriting the file: renderReport keeps the section it is handed, at the end", () => {
    const rewritten = report(peerSectionOf(withPeerSection(report(), section)));
    expect(peerSectionOf(rewritten)).toBe(section);
    expect(rewritten.indexOf("## Figures")).toBeLessThan(rewritten.indexOf(section));
    expect(peerSectionOf(report())).toBeUndefined();
  });
});
