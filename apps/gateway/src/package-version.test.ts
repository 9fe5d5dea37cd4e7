import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { packageVersion } from "./package-version.ts";

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe("packageVersion", () => {
  it("finds imessage-channel's package.json above a module two folders down (dist/bundle/), past other package.json files", async () => {
    dir = await mkdtemp(join(tmpdir(), "package-version-"));
    await mkdir(join(dir, "dist", "bundle"), { recursive: true });
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "imessage-channel", version: "1.2.3" }));
    await writeFile(join(dir, "dist", "package.json"), JSON.stringify({ type: "module" }));
    await writeFile(join(dir, "dist", "bundle", "package.json"), "not json");
    expect(packageVersion(pathToFileURL(join(dir, "dist", "bundle", "cli.js")))).toBe("1.2.3");
  });

  it("says unknown when no package.json above the module is imessage-channel's", async () => {
    dir = await mkdtemp(join(tmpdir(), "package-version-"));
    await writeFile(join(dir, "package.json"), JSON.stringify({ name: "someone-else", version: "9.9.9" }));
    expect(packageVersion(pathToFileURL(join(dir, "cli.js")))).toBe("unknown");
  });

  it("reads this package's own version from its sources", async () => {
    const { version } = (await import("../package.json", { with: { type: "json" } })).default;
    expect(packageVersion()).toBe(version);
  });
});
