import { describe, expect, it } from "vitest";
import type { RecordedFigure } from "./figure.ts";
import { formatValue, renderReport } from "./render-report.ts";

const machine = { cpuModel: "AMD EPYC", cores: 2, memoryGiB: 24, os: "Linux 6.1.0 x86_64", node: "v24.21.0" };
const startedAt = new Date("2026-05-01T12:00:00Z");
const loadAverage = { atStart: 0.42, atEnd: 1.5 };

function figure(overrides: Partial<RecordedFigure>): RecordedFigure {
  return { package: "imessage-channel", id: "id", figure: "a figure", value: 1, unit: "ms", ...overrides };
}

function tableRows(markdown: string): string[] {
  return markdown.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| ---"));
}

describe("renderReport", () => {
  it("groups rows by package in name order, scope ignored, figures in recorded order", () => {
    const markdown = renderReport({
      figures: [
        figure({ package: "@imessage-channel/state", id: "b", figure: "claim + commit", value: 1500, unit: "ops/s" }),
        figure({ package: "imessage-channel", id: "p99", figure: "overhead p99", value: 1.284, unit: "ms" }),
        figure({ package: "@imessage-channel/attachments", id: "c", figure: "copy", value: 391, unit: "MB/s" }),
        figure({ package: "imessage-channel", id: "p50", figure: "overhead p50", value: 0.5612, unit: "ms" }),
      ],
      machine,
      mode: "full",
      startedAt,
      durationSeconds: 901,
      silentPackages: [],
      loadAverage,
    });
    expect(tableRows(markdown)).toEqual([
      "| figure | value | goal | machine |",
      "| **@imessage-channel/attachments** | | | |",
      "| copy | 391 MB/s | — | AMD EPYC, 2 cores, 24 GiB, Node v24.21.0 |",
      "| **imessage-channel** | | | |",
      "| overhead p99 | 1.28 ms | — | AMD EPYC, 2 cores, 24 GiB, Node v24.21.0 |",
      "| overhead p50 | 0.561 ms | — | AMD EPYC, 2 cores, 24 GiB, Node v24.21.0 |",
      "| **@imessage-channel/state** | | | |",
      "| claim + commit | 1,500 ops/s | — | AMD EPYC, 2 cores, 24 GiB, Node v24.21.0 |",
    ]);
    expect(markdown).toContain("full mode (`pnpm bench`), started 2026-05-01 12:00 UTC, took 15 min 1 s");
    expect(markdown).toContain("- CPU: AMD EPYC, 2 cores");
    expect(markdown).toContain("- Load (1-minute average): 0.42 at the start, 1.50 at the end");
  });

  it("marks a figure over its ceiling or under its floor, and counts the goals met", () => {
    const markdown = renderReport({
      figures: [
        figure({ id: "p99", figure: "p99", value: 1.2, goal: { below: 5 } }),
        figure({ id: "cold", figure: "cold start", value: 612, goal: { below: 500 } }),
        figure({
          id: "ratio",
          figure: "client / JSON.parse",
          value: 0.4,
          unit: "×",
          goal: { atLeast: 0.5, label: "≥ 0.5× JSON.parse" },
        }),
        figure({ id: "growth", figure: "RSS growth per 100k", value: -0.4, unit: "MB", goal: { below: 20 } }),
      ],
      machine,
      mode: "full",
      startedAt,
      durationSeconds: 30,
      silentPackages: [],
      loadAverage,
    });
    const rows = tableRows(markdown).map((row) => row.split(" | ").slice(0, 3).join(" | "));
    expect(rows.slice(2)).toEqual([
      "| p99 | 1.2 ms | < 5 ms ✓",
      "| cold start | 612 ms | < 500 ms — ✗ over goal",
      "| client / JSON.parse | 0.4× | ≥ 0.5× JSON.parse — ✗ under goal",
      "| RSS growth per 100k | -0.4 MB | < 20 MB ✓",
    ]);
    expect(markdown).toContain("2 of 4 figures with a goal meet it.");
    expect(markdown).toContain("Over or under goal: imessage-channel `cold`, imessage-channel `ratio`.");
    expect(markdown).toContain("[performance-profiles.md](performance-profiles.md)");
  });

  it("says when it is a quick run and which packages recorded nothing", () => {
    const markdown = renderReport({
      figures: [figure({ note: "median of 3 | runs" })],
      machine,
      mode: "quick",
      startedAt,
      durationSeconds: 42,
      silentPackages: ["@imessage-channel/catchup"],
      loadAverage,
    });
    expect(markdown).toContain("**quick mode** (`pnpm bench --quick`");
    expect(markdown).toContain("took 42 s");
    expect(markdown).toContain("| a figure (median of 3 \\| runs) | 1 ms |");
    expect(markdown).toContain("No figures from: `@imessage-channel/catchup`");
  });
});

describe("formatValue", () => {
  it("keeps three significant digits below 100 and whole numbers above", () => {
    expect(formatValue(0.0341, "ms")).toBe("0.0341 ms");
    expect(formatValue(12.345, "MB")).toBe("12.3 MB");
    expect(formatValue(1604.4, "rows/s")).toBe("1,604 rows/s");
    expect(formatValue(0.853, "×")).toBe("0.853×");
  });
});
