#!/usr/bin/env node
// Prints the totals of a vitest JSON report as the single line CI reads: "N passed, M failed[, K skipped]".
// A missing report means the run stopped before the tests (typecheck or lint failed): that counts as a failure.
import { existsSync, readFileSync } from "node:fs";

const file = process.argv[2] ?? ".reports/vitest.json";
if (!existsSync(file)) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, "utf8"));
const passed = report.numPassedTests ?? 0;
// A test file that fails to load has no failed tests but is failed itself: count each such file once.
const brokenFiles = (report.testResults ?? []).filter(
  (file) => file.status === "failed" && !(file.assertionResults ?? []).some((test) => test.status === "failed"),
).length;
const failed = (report.numFailedTests ?? 0) + brokenFiles;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || report.success === false ? 1 : 0);
