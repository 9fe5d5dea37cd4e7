import { describe, expect, it } from "vitest";
import { bareJsonLines } from "./bare-lines.ts";

describe("bareJsonLines", () => {
  it("parses lines split across chunks, a multi-byte character cut in two among them", () => {
    const seen: unknown[] = [];
    const push = bareJsonLines((value) => {
      seen.push(value);
      return true;
    });
    const bytes = Buffer.from('{"a":1}\n{"text":"🙂"}\n{"b":', "utf8");
    const cut = bytes.indexOf(0xf0) + 2; // inside the emoji's four bytes
    push(bytes.subarray(0, cut));
    push(bytes.subarray(cut));
    expect(seen).toEqual([{ a: 1 }, { text: "🙂" }]);
    push(Buffer.from("2}\n"));
    expect(seen).toEqual([{ a: 1 }, { text: "🙂" }, { b: 2 }]);
  });

  it("stops reading the chunk once the handler returns false", () => {
    const seen: unknown[] = [];
    const push = bareJsonLines((value) => {
      seen.push(value);
      return seen.length < 2;
    });
    push(Buffer.from("1\n2\n3\n"));
    expect(seen).toEqual([1, 2]);
  });
});
