import { describe, expect, it } from "vitest";
import { parseFigureLines } from "./parse-figure-lines.ts";

describe("parseFigureLines", () => {
  it("keeps the valid lines and names each bad one by its line number", () => {
    const text = [
      JSON.stringify({ package: "a", id: "x", figure: "x", value: 1, unit: "ms" }),
      "",
      "not json",
      JSON.stringify({ id: "y", figure: "y", value: 2, unit: "ms" }),
      JSON.stringify({ package: "a", id: "z", figure: "z", value: "fast", unit: "ms" }),
      JSON.stringify({ package: "a", id: "w", figure: "w", value: 2, unit: "ms", goal: { below: "5" } }),
    ].join("\n");
    const { figures, problems } = parseFigureLines(text);
    expect(figures.map((figure) => figure.id)).toEqual(["x"]);
    expect(problems).toEqual([
      "line 3: not JSON: not json",
      "line 4: package must be a non-empty string",
      "line 5: value must be a finite number, got fast",
      "line 6: goal.below must be a finite number",
    ]);
  });
});
