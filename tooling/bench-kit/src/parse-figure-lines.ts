import { figureProblem, type RecordedFigure } from "./figure.ts";

/** The figures of a results file; a line that is not one is named in `problems` (with its number) and skipped. */
export function parseFigureLines(text: string): { figures: RecordedFigure[]; problems: string[] } {
  const figures: RecordedFigure[] = [];
  const problems: string[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let candidate: unknown;
    try {
      candidate = JSON.parse(line);
    } catch {
      problems.push(`line ${index + 1}: not JSON: ${line.slice(0, 80)}`);
      return;
    }
    const packageName = (candidate as { package?: unknown } | null)?.package;
    const problem =
      typeof packageName === "string" && packageName !== ""
        ? figureProblem(candidate)
        : "package must be a non-empty string";
    if (problem === undefined) figures.push(candidate as RecordedFigure);
    else problems.push(`line ${index + 1}: ${problem}`);
  });
  return { figures, problems };
}
