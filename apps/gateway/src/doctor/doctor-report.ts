import { styleText } from "node:util";
import type { CheckStatus, DoctorCheck } from "./doctor-checks.ts";

/** One titled group of checks in the report: an account, an agent. */
export interface ReportSection {
  title: string;
  checks: DoctorCheck[];
}

export interface DoctorSummary {
  warnings: number;
  failures: number;
}

/** Colours only on a terminal, and never when NO_COLOR is set to anything (no-color.org) or TERM is dumb. */
export function shouldColour(stream: object, env: NodeJS.ProcessEnv): boolean {
  if ((stream as { isTTY?: boolean }).isTTY !== true) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return env.TERM !== "dumb";
}

export function summarize(checks: readonly DoctorCheck[]): DoctorSummary {
  return {
    warnings: checks.filter((check) => check.status === "warn").length,
    failures: checks.filter((check) => check.status === "fail").length,
  };
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;

/** `2 warnings, 1 failure`. */
export function summaryLine(summary: DoctorSummary): string {
  return `${plural(summary.warnings, "warning")}, ${plural(summary.failures, "failure")}`;
}

const labels: Record<CheckStatus, string> = { ok: "ok", info: "info", warn: "warn", fail: "FAIL" };
const colours: Record<CheckStatus, Parameters<typeof styleText>[0]> = {
  ok: "green",
  info: "cyan",
  warn: "yellow",
  fail: ["red", "bold"],
};

/**
 * The text report: each section's checks as `<status>  <check id>  <message>`, the fix under it, then the
 * summary line. Pure: `colour` is decided by the caller (`shouldColour`).
 */
export function formatReport(
  sections: readonly ReportSection[],
  loose: readonly DoctorCheck[],
  options: { colour: boolean; changed: readonly string[] },
): string {
  const all = [...sections.flatMap((section) => section.checks), ...loose];
  const idWidth = Math.max(0, ...all.map((check) => check.id.length));
  const paint = (status: CheckStatus, text: string) =>
    options.colour ? styleText(colours[status], text, { validateStream: false }) : text;
  const line = (indent: string, check: DoctorCheck) => {
    const label = paint(check.status, labels[check.status].padEnd(4));
    const lines = [`${indent}${label}  ${check.id.padEnd(idWidth)}  ${check.message}`];
    if (check.fix && check.status !== "ok") lines.push(`${indent}${" ".repeat(idWidth + 8)}fix: ${check.fix}`);
    return lines;
  };
  const out: string[] = [];
  for (const section of sections) {
    out.push(section.title);
    for (const check of section.checks) out.push(...line("  ", check));
  }
  for (const check of loose) out.push(...line("", check));
  for (const change of options.changed) out.push(`changed: ${change}`);
  const summary = summarize(all);
  const text = summaryLine(summary);
  const status: CheckStatus = summary.failures > 0 ? "fail" : summary.warnings > 0 ? "warn" : "ok";
  out.push(options.colour ? paint(status, text) : text);
  return `${out.join("\n")}\n`;
}
