import { describe, expect, it } from "vitest";
import { formatReport, shouldColour, summaryLine } from "./doctor-report.ts";

describe("doctor: report", () => {
  it("counts warnings and failures with their plurals", () => {
    expect(summaryLine({ warnings: 2, failures: 1 })).toBe("2 warnings, 1 failure");
    expect(summaryLine({ warnings: 1, failures: 0 })).toBe("1 warning, 0 failures");
  });

  it("colours only a TTY, and never with NO_COLOR set or TERM=dumb", () => {
    expect(shouldColour({ isTTY: true }, {})).toBe(true);
    expect(shouldColour({ isTTY: true }, { NO_COLOR: "" })).toBe(true);
    expect(shouldColour({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
    expect(shouldColour({ isTTY: true }, { TERM: "dumb" })).toBe(false);
    expect(shouldColour({}, {})).toBe(false);
  });

  it("lines up check ids, puts each fix under its check, and ends with the summary", () => {
    const text = formatReport(
      [
        {
          title: "account default",
          checks: [
            { id: "imsg-found", status: "ok", message: "imsg 0.15.10" },
            { id: "sms-trust", status: "warn", message: "allowSmsSenders is on", fix: "turn it off" },
          ],
        },
        { title: "agent main (webhook)", checks: [{ id: "agent-reachable", status: "fail", message: "dead" }] },
      ],
      [{ id: "state-dir", status: "ok", message: "state dir /s (0700)" }],
      { colour: false, changed: ["created /s"] },
    );
    expect(text).toBe(
      [
        "account default",
        "  ok    imsg-found       imsg 0.15.10",
        "  warn  sms-trust        allowSmsSenders is on",
        "                         fix: turn it off",
        "agent main (webhook)",
        "  FAIL  agent-reachable  dead",
        "ok    state-dir        state dir /s (0700)",
        "changed: created /s",
        "1 warning, 1 failure",
        "",
      ].join("\n"),
    );
    expect(
      formatReport([], [{ id: "state-dir", status: "warn", message: "m" }], { colour: true, changed: [] }),
    ).toContain("\u001b[33mwarn\u001b[39m");
  });
});
