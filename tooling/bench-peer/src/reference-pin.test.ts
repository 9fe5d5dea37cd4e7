import { describe, expect, it } from "vitest";
import { referenceCacheDirectory, referencePackages, referenceVersion } from "./reference-pin.ts";

describe("the pinned reference", () => {
  it("asks npm for one exact version of both packages", () => {
    expect(referencePackages).toEqual([`openclaw@${referenceVersion}`, `@openclaw/imessage@${referenceVersion}`]);
    expect(referenceVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("is cached under XDG_CACHE_HOME when it is set, one folder per version", () => {
    expect(referenceCacheDirectory({ XDG_CACHE_HOME: "/var/cache/me", HOME: "/home/me" }, "/home/me", "1.2.3")).toBe(
      "/var/cache/me/imessage-channel/bench-peer/1.2.3",
    );
  });

  it("falls back to ~/.cache when XDG_CACHE_HOME is unset or blank", () => {
    expect(referenceCacheDirectory({ HOME: "/home/me" }, "/ignored", "1.2.3")).toBe(
      "/home/me/.cache/imessage-channel/bench-peer/1.2.3",
    );
    expect(referenceCacheDirectory({ XDG_CACHE_HOME: " " }, "/home/os", "1.2.3")).toBe(
      "/home/os/.cache/imessage-channel/bench-peer/1.2.3",
    );
  });
});
