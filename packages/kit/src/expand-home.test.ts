import { homedir } from "node:os";
import { describe, expect, it } from "vitest";
import { expandHome } from "./expand-home.ts";

describe("expandHome", () => {
  it("expands ~ and ~/ against the home given", () => {
    expect(expandHome("~", "/Users/ada")).toBe("/Users/ada");
    expect(expandHome("~/bin/imsg", "/Users/ada")).toBe("/Users/ada/bin/imsg");
    expect(expandHome("~/", "/Users/ada")).toBe("/Users/ada");
  });

  it("uses the current user's home when none is given", () => {
    expect(expandHome("~/.ssh/known_hosts")).toBe(`${homedir()}/.ssh/known_hosts`);
  });

  it("leaves ~user, a ~ later in the path and plain paths alone", () => {
    expect(expandHome("~bob/file", "/Users/ada")).toBe("~bob/file");
    expect(expandHome("/tmp/~/x", "/Users/ada")).toBe("/tmp/~/x");
    expect(expandHome("relative/~", "/Users/ada")).toBe("relative/~");
    expect(expandHome("/usr/local/bin/imsg", "/Users/ada")).toBe("/usr/local/bin/imsg");
  });

  it("normalizes what follows ~/ the way path.join does", () => {
    expect(expandHome("~/a/../b", "/Users/ada")).toBe("/Users/ada/b");
  });
});
