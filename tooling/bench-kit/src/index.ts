export { BenchKitError, type BenchKitErrorCode } from "./bench-kit-error.ts";
export { type Figure, figureProblem, type Goal, isGoalMet, type RecordedFigure } from "./figure.ts";
export { describeMachine, type Machine, machineLabel } from "./machine.ts";
export { parseFigureLines } from "./parse-figure-lines.ts";
export { peerSectionEnd, peerSectionOf, peerSectionStart, withPeerSection, wrapPeerSection } from "./peer-section.ts";
export { benchResultsVariable, nearestPackageName, type RecordOptions, recordFigure } from "./record-figure.ts";
export { formatValue, goalLabel, type ReportInput, renderReport } from "./render-report.ts";
export { median, percentile } from "./statistics.ts";
