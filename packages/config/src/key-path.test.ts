import { describe, expect, it } from "vitest";
import { formatKeyPath } from "./key-path.ts";

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
