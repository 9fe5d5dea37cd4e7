import { appendFileSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { BenchKitError } from "./bench-kit-error.ts";
import { type Figure, figureProblem, type RecordedFigure } from "./figure.ts";

/** The environment variable naming the file that recorded figures are appended to, one JSON line each. */
export const benchResultsVariable = "BENCH_RESULTS";

export interface RecordOptions {
  /** The results file; default `process.env.BENCH_RESULTS`. Nothing is written when there is none. */
  resultsPath?: string | undefined;
  /** Default: the name in the package.json nearest to the running script. */
  packageName?: string;
}

/**
 * Records one figure of the running bench. Prints nothing (the bench keeps its own human lines); appends a JSON
 * line to the results file when `pnpm bench` set one. Throws `FIGURE_INVALID` for a NaN or an empty field, so a
 * broken measurement fails its bench instead of reaching the report.
 */
export function recordFigure(figure: Figure, options: RecordOptions = {}): RecordedFigure {
  const problem = figureProblem(figure);
  if (problem !== undefined) {
    throw new BenchKitError(
      "FIGURE_INVALID",
      `figure ${JSON.stringify(figure.id)}: ${problem}; fix the measurement in the bench that records it`,
    );
  }
  const recorded: RecordedFigure = { package: options.packageName ?? runningPackageName(), ...figure };
  const resultsPath = "resultsPath" in options ? options.resultsPath : process.env[benchResultsVariable];
  if (resultsPath) appendFileSync(resultsPath, `${JSON.stringify(recorded)}\n`);
  return recorded;
}

let cachedPackageName: string | undefined;

function runningPackageName(): string {
  cachedPackageName ??= nearestPackageName(resolve(process.argv[1] ?? process.cwd()));
  return cachedPackageName;
}

/** The `name` of the package.json nearest above `path`. */
export function nearestPackageName(path: string): string {
  for (let directory = dirname(path); ; directory = dirname(directory)) {
    try {
      const { name } = JSON.parse(readFileSync(join(directory, "package.json"), "utf8")) as { name?: unknown };
      if (typeof name === "string" && name !== "") return name;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    if (dirname(directory) === directory) {
      throw new BenchKitError(
        "PACKAGE_UNKNOWN",
        `no package.json with a name above ${path}; run the bench from its package or pass packageName`,
      );
    }
  }
}
