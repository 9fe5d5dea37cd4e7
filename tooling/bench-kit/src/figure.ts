/**
 * What a figure should meet. `below` is a ceiling (latency, memory), `atLeast` a floor (throughput, ratios);
 * `label` is how the report says it when the number alone would not (e.g. `≥ 0.5× JSON.parse`).
 */
export type Goal = { below: number; label?: string } | { atLeast: number; label?: string };

/** One measured number, as a bench records it. */
export interface Figure {
  /** Stable within the package, for machines: `pipeline-overhead-p99`. */
  id: string;
  /** What a reader sees in the report: `inbound row → agent dispatch overhead, p99 over 10k rows`. */
  figure: string;
  value: number;
  /** `ms`, `rows/s`, `MB`, `×` (a ratio)… */
  unit: string;
  goal?: Goal;
  /** How it was measured, when the figure's words do not say it (median of 3 runs, what is excluded). */
  note?: string;
}

/** A figure with the workspace package whose bench recorded it: one line of the results file. */
export interface RecordedFigure extends Figure {
  package: string;
}

/** Whether `value` meets `goal`: strictly under a ceiling, at or over a floor. */
export function isGoalMet(value: number, goal: Goal): boolean {
  return "below" in goal ? value < goal.below : value >= goal.atLeast;
}

/** What is wrong with a would-be figure, or undefined when it is one. */
export function figureProblem(candidate: unknown): string | undefined {
  if (typeof candidate !== "object" || candidate === null) return "not an object";
  const figure = candidate as Record<string, unknown>;
  for (const field of ["id", "figure", "unit"]) {
    if (typeof figure[field] !== "string" || figure[field] === "") return `${field} must be a non-empty string`;
  }
  if (typeof figure.value !== "number" || !Number.isFinite(figure.value)) {
    return `value must be a finite number, got ${String(figure.value)}`;
  }
  if (figure.note !== undefined && typeof figure.note !== "string") return "note must be a string";
  return figure.goal === undefined ? undefined : goalProblem(figure.goal);
}

function goalProblem(candidate: unknown): string | undefined {
  if (typeof candidate !== "object" || candidate === null) return "goal must be an object";
  const goal = candidate as Record<string, unknown>;
  const bounds = ["below", "atLeast"].filter((key) => goal[key] !== undefined);
  if (bounds.length !== 1) return "goal needs exactly one of below or atLeast";
  const bound = goal[bounds[0]!];
  if (typeof bound !== "number" || !Number.isFinite(bound)) return `goal.${bounds[0]} must be a finite number`;
  if (goal.label !== undefined && typeof goal.label !== "string") return "goal.label must be a string";
  return undefined;
}
