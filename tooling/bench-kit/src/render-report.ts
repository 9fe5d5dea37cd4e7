import { type Goal, isGoalMet, type RecordedFigure } from "./figure.ts";
import { type Machine, machineLabel } from "./machine.ts";

export interface ReportInput {
  figures: readonly RecordedFigure[];
  machine: Machine;
  /** `full` is `pnpm bench`; `quick` is `pnpm bench --quick`, smaller runs for a smoke check. */
  mode: "full" | "quick";
  /** When the run started. */
  startedAt: Date;
  /** How long the whole run took. */
  durationSeconds: number;
  /** Packages with a bench script that recorded nothing (their bench failed or records no figure). */
  silentPackages: readonly string[];
  /** The 1-minute load average when the run started and ended: other work on the machine skews the figures. */
  loadAverage: { atStart: number; atEnd: number };
  /**
   * The side-by-side section `pnpm bench:peer` wrote into the file being replaced (`peerSectionOf` of it, markers
   * included): kept at the end, as it was, so `pnpm bench` never drops the reference comparison.
   */
  peerSection?: string | undefined;
}

const modeSentences = {
  full: "full mode (`pnpm bench`)",
  quick: "**quick mode** (`pnpm bench --quick`: smaller runs, a smoke check; quote the full run's figures, not these)",
};

/** docs/performance.md: how to reproduce, the machine, and one table of every figure grouped by package. */
export function renderReport(input: ReportInput): string {
  const missed = input.figures.filter((figure) => figure.goal && !isGoalMet(figure.value, figure.goal));
  const withGoal = input.figures.filter((figure) => figure.goal).length;
  const lines = [
    "# Performance",
    "",
    "Every package's benchmark and the gateway's end-to-end ones, run one after another on one machine. " +
      "Ratios compare two measurements taken side by side in the same run, so they travel between machines better " +
      "than the absolute numbers. Benchmarks print and record; no test asserts a number, and a figure that misses its " +
      "goal is marked ✗ here, it does not fail the run.",
    "",
    "Reproduce: `pnpm bench` runs them all (about 20 minutes on 2 cores, most of it the gateway's 1M-row run) and rewrites " +
      "this file; `pnpm bench --quick` runs smaller sizes in about a minute as a smoke check. One package alone: " +
      "`pnpm --filter <package> bench` prints its lines without touching this file.",
    "",
    "Side by side with the reference implementation (openclaw's iMessage channel): `pnpm bench:peer` installs it " +
      "outside the workspace, runs both against one fake `imsg` and writes the last section of this file, which " +
      "`pnpm bench` keeps; `pnpm bench:peer --quick` is its smoke run. It never runs in CI.",
    "",
    `This report: ${modeSentences[input.mode]}, started ${formatDate(input.startedAt)}, took ${formatDuration(input.durationSeconds)}. ` +
      `${withGoal - missed.length} of ${withGoal} figures with a goal meet it.`,
    "",
    "## Machine",
    "",
    `- CPU: ${input.machine.cpuModel}, ${input.machine.cores} cores`,
    `- Memory: ${input.machine.memoryGiB} GiB`,
    `- OS: ${input.machine.os}`,
    `- Node: ${input.machine.node}`,
    `- Load (1-minute average): ${input.loadAverage.atStart.toFixed(2)} at the start, ${input.loadAverage.atEnd.toFixed(2)} at the end`,
    `- Date: ${formatDate(input.startedAt)}`,
    "",
    "## Figures",
    "",
    ...renderTable(input.figures, machineLabel(input.machine)),
  ];
  if (missed.length > 0) {
    lines.push(
      "",
      `Over or under goal: ${missed.map((figure) => `${figure.package} \`${figure.id}\``).join(", ")}. ` +
        "Why each of them misses, with the profile that shows where the time or the memory goes: " +
        "[performance-profiles.md](performance-profiles.md).",
    );
  }
  if (input.silentPackages.length > 0) {
    lines.push(
      "",
      `No figures from: ${input.silentPackages.map((name) => `\`${name}\``).join(", ")} (the bench failed or recorded nothing; see its output).`,
    );
  }
  if (input.peerSection !== undefined) lines.push("", input.peerSection);
  return `${lines.join("\n")}\n`;
}

function renderTable(figures: readonly RecordedFigure[], machine: string): string[] {
  const rows = ["| figure | value | goal | machine |", "| --- | --- | --- | --- |"];
  for (const [packageName, group] of groupByPackage(figures)) {
    rows.push(`| **${cell(packageName)}** | | | |`);
    for (const figure of group) {
      const what = figure.note ? `${figure.figure} (${figure.note})` : figure.figure;
      rows.push(
        `| ${cell(what)} | ${cell(formatValue(figure.value, figure.unit))} | ${cell(goalCell(figure))} | ${cell(machine)} |`,
      );
    }
  }
  return rows;
}

/** Packages in name order with the scope left out of the sort, each with its figures in recorded order. */
function groupByPackage(figures: readonly RecordedFigure[]): [string, RecordedFigure[]][] {
  const groups = new Map<string, RecordedFigure[]>();
  for (const figure of figures) {
    const group = groups.get(figure.package);
    if (group) group.push(figure);
    else groups.set(figure.package, [figure]);
  }
  const unscoped = (name: string) => name.replace(/^@[^/]+\//, "");
  return [...groups].sort(([left], [right]) => unscoped(left).localeCompare(unscoped(right)));
}

function goalCell(figure: RecordedFigure): string {
  if (!figure.goal) return "—";
  const label = goalLabel(figure.goal, figure.unit);
  if (isGoalMet(figure.value, figure.goal)) return `${label} ✓`;
  return `${label} — ✗ ${"below" in figure.goal ? "over" : "under"} goal`;
}

/** `< 5 ms`, `≥ 0.5×`, or the goal's own label. */
export function goalLabel(goal: Goal, unit: string): string {
  if (goal.label) return goal.label;
  return "below" in goal ? `< ${formatValue(goal.below, unit)}` : `≥ ${formatValue(goal.atLeast, unit)}`;
}

/** Three significant digits below 100, whole numbers with separators above: `0.561 ms`, `1,604 rows/s`, `0.85×`. */
export function formatValue(value: number, unit: string): string {
  const number = value.toLocaleString(
    "en-US",
    Math.abs(value) >= 100 ? { maximumFractionDigits: 0 } : { maximumSignificantDigits: 3 },
  );
  return unit === "×" ? `${number}×` : `${number} ${unit}`;
}

function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${Math.round(seconds)} s` : `${minutes} min ${Math.round(seconds % 60)} s`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
