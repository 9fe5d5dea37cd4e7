import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BenchKitError } from "./bench-kit-error.ts";
import { parseFigureLines } from "./parse-figure-lines.ts";
import { nearestPackageName, recordFigure } from "./record-figure.ts";

let directory: string;
beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), "bench-kit-"));
});
afterEach(() => {
  rmSync(directory, { recursive: true, force: true });
});

describe("recordFigure", () => {
  it("appends one JSON line per figure, tagged with the package, that the report reads back", () => {
    const resultsPath = join(directory, "results.jsonl");
    recordFigure(
      { id: "p99", figure: "overhead p99", value: 1.28, unit: "ms", goal: { below: 5 } },
      { resultsPath, packageName: "imessage-channel" },
    );
    recordFigure({ id: "rate", figure: "rows/s", value: 1600, unit: "rows/s" }, { resultsPath, packageName: "x" });

    const { figures, problems } = parseFigureLines(readFileSync(resultsPath, "utf8"));
    expect(problems).toEqual([]);
    expect(figures).toEqual([
      { package: "imessage-channel", id: "p99", figure: "overhead p99", value: 1.28, unit: "ms", goal: { below: 5 } },
      { package: "x", id: "rate", figure: "rows/s", value: 1600, unit: "rows/s" },
    ]);
  });

  it("writes nothing when no results file is set, and still returns the figure", () => {
    const recorded = recordFigure(
      { id: "rate", figure: "rows/s", value: 3, unit: "rows/s" },
      { resultsPath: undefined, packageName: "x" },
    );
    expect(recorded).toMatchObject({ package: "x", value: 3 });
  });

  it("refuses a NaN value, so a broken measurement fails its bench", () => {
    const resultsPath = join(directory, "results.jsonl");
    const record = () =>
      recordFigure(
        { id: "rate", figure: "rows/s", value: Number.NaN, unit: "rows/s" },
        { resultsPath, packageName: "x" },
      );
    expect(record).toThrow(BenchKitError);
    expect(record).toThrow(/"rate": value must be a finite number, got NaN/);
  });

  it("refuses a goal with both a ceiling and a floor", () => {
    const goal = { below: 5, atLeast: 1 } as unknown as { below: number };
    expect(() =>
      recordFigure(
        { id: "p99", figure: "p99", value: 1, unit: "ms", goal },
        { resultsPath: undefined, packageName: "x" },
      ),
    ).toThrow(/exactly one of below or atLeast/);
  });
});

describe("nearestPackageName", () => {
  it("names the package whose package.json is nearest above the bench script", () => {
    mkdirSync(join(directory, "packages", "state", "bench"), { recursive: true });
    writeFileSync(join(directory, "package.json"), JSON.stringify({ name: "root" }));
    writeFileSync(join(directory, "packages", "state", "package.json"), JSON.stringify({ name: "@scope/state" }));
    expect(nearestPackageName(join(directory, "packages", "state", "bench", "state.bench.ts"))).toBe("@scope/state");
  });
});
