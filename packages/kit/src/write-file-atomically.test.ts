import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { writeFileAtomically } from "./write-file-atomically.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "kit-atomic-"));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe("writeFileAtomically", () => {
  it("creates a new file as 0600, making the missing directories", async () => {
    const path = join(root, "a", "b", "file.json");
    await writeFileAtomically(path, "one\n");
    expect(await readFile(path, "utf8")).toBe("one\n");
    expect(await modeOf(path)).toBe(0o600);
  });

  it("makes missing directories with the directory mode asked for", async () => {
    const path = join(root, "private", "file.json");
    await writeFileAtomically(path, "x", { directoryMode: 0o700 });
    expect(await modeOf(join(root, "private"))).toBe(0o700);
  });

  it("keeps an existing file's mode unless a mode is given", async () => {
    const path = join(root, "config.json5");
    await writeFile(path, "old");
    await chmod(path, 0o640);
    await writeFileAtomically(path, "new");
    expect(await readFile(path, "utf8")).toBe("new");
    expect(await modeOf(path)).toBe(0o640);
    await writeFileAtomically(path, "newer", { mode: 0o600 });
    expect(await modeOf(path)).toBe(0o600);
  });

  it("sets a given mode on a new file exactly, whatever the umask", async () => {
    const path = join(root, "service.plist");
    await writeFileAtomically(path, "<plist/>", { mode: 0o644 });
    expect(await modeOf(path)).toBe(0o644);
  });

  it("leaves no temporary file beside the target", async () => {
    const path = join(root, "state.json");
    await Promise.all([writeFileAtomically(path, "1"), writeFileAtomically(path, "2"), writeFileAtomically(path, "3")]);
    expect(await readdir(root)).toEqual(["state.json"]);
    expect(["1", "2", "3"]).toContain(await readFile(path, "utf8"));
  });
});
