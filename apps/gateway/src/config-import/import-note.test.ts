import { formatKeyPath, type PathSegment } from "@imessage-channel/config";
import { describe, expect, it } from "vitest";
import { parsePath } from "./import-note.ts";

describe("parsePath", () => {
  it("reads back every key path config's formatKeyPath writes", () => {
    const paths: PathSegment[][] = [
      ["channels", "imessage", "groups", "8421", "requireMention"],
      ["agents", "list", 0, "id"],
      ["channels", "imessage", "groups", 'a "quoted" b.c', "systemPrompt"],
      ["bindings", 2, "match", "peer", "id"],
    ];
    for (const path of paths) expect(parsePath(formatKeyPath(path))).toEqual(path);
  });
});
