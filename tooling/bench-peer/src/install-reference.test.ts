import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isReferenceInstalled } from "./install-reference.ts";

const directories: string[] = [];
afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function install(versions: Record<string, string>, stamp?: unknown): string {
  const directory = mkdtempSync(join(tmpdir(), "bench-peer-install-"));
  directories.push(directory);
  for (const [name, version] of Object.entries(versions)) {
    mkdirSync(join(directory, "node_modules", name), { recursive: true });
    writeFileSync(join(directory, "node_modules", name, "package.json"), JSON.stringify({ name, version }));
  }
  if (stamp !== undefined) writeFileSync(join(directory, "bench-peer-install.json"), JSON.stringify(stamp));
  return directory;
}

const packages = ["openclaw@1.0.0", "@openclaw/imessage@1.0.0"];

describe("a cached reference install", () => {
  it("counts as complete with its stamp and both packages at the pinned version", () => {
    const directory = install({ openclaw: "1.0.0", "@openclaw/imessage": "1.0.0" }, { packages });
    expect(isReferenceInstalled(directory, packages, "1.0.0")).toBe(true);
  });

  it("is installed again when npm never finished (no stamp)", () => {
    const directory = install({ openclaw: "1.0.0", "@openclaw/imessage": "1.0.0" });
    expect(isReferenceInstalled(directory, packages, "1.0.0")).toBe(false);
  });

  it("is installed again when a package is missing or another version, or the pin changed", () => {
    expect(isReferenceInstalled(install({ openclaw: "1.0.0" }, { packages }), packages, "1.0.0")).toBe(false);
    const other = install({ openclaw: "1.0.0", "@openclaw/imessage": "0.9.0" }, { packages });
    expect(isReferenceInstalled(other, packages, "1.0.0")).toBe(false);
    const repinned = install({ openclaw: "1.0.0", "@openclaw/imessage": "1.0.0" }, { packages: ["openclaw@0.1.0"] });
    expect(isReferenceInstalled(repinned, packages, "1.0.0")).toBe(false);
  });
});
