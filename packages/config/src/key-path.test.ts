import { describe, expect, it } from "vitest";
import { formatKeyPath, type PathSegment, parsePath } from "./key-path.ts";

describe("formatKeyPath", () => {
  it("joins plain keys with dots and indexes with brackets", () => {
    expect(formatKeyPath(["channels", "imessage", "accounts", "work", "dmPolicy"])).toBe(
      "channels.imessage.accounts.work.dmPolicy",
    );
    expect(formatKeyPath(["agents", "list", 0, "id"])).toBe("agents.list[0].id");
    expect(formatKeyPath(["channels", "imessage", "groups", "8421"])).toBe("channels.imessage.groups.8421");
  });

  it("quotes a key that is not plain, and names the root", () => {
    expect(formatKeyPath(["groups", "a.b"])).toBe('groups["a.b"]');
    expect(formatKeyPath(["dms", "+1 555"])).toBe('dms["+1 555"]');
    expect(formatKeyPath([])).toBe("(root)");
  });
});

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
