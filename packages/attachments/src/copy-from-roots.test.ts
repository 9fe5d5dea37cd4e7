import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileAttachmentRoots } from "./attachment-roots.ts";
import type { AttachmentSource } from "./attachment-source.ts";
import { copyFileFromRoots, statFileInRoots } from "./copy-from-roots.ts";
import { createLocalSource } from "./local-source.ts";

let top: string;
let root: string;
let outside: string;
let destination: string;

beforeEach(() => {
  top = realpathSync(mkdtempSync(join(tmpdir(), "copy-from-roots-")));
  root = join(top, "agent");
  outside = join(top, "secret.txt");
  mkdirSync(join(top, "staged"), { recursive: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(outside, "the operator's secret");
  writeFileSync(join(root, "report.txt"), "quarterly report");
  destination = join(top, "staged", "report.txt");
});

afterEach(() => rmSync(top, { recursive: true, force: true }));

const options = (overrides: { source?: AttachmentSource; maxBytes?: number } = {}) => ({
  roots: compileAttachmentRoots([root], top),
  home: top,
  maxBytes: 1024,
  destination,
  ...overrides,
});
const staged = () => readdirSync(join(top, "staged"));

describe("copyFileFromRoots", () => {
  it("copies a file inside a root to the destination, mode 0600, byte for byte", async () => {
    const result = await copyFileFromRoots(join(root, "report.txt"), options());
    expect(result).toEqual({ ok: true, path: destination, bytes: 16 });
    expect(readFileSync(destination, "utf8")).toBe("quarterly report");
    expect(statSync(destination).mode & 0o777).toBe(0o600);
  });

  it("refuses a file outside every root, a .. path, a relative path and a symlink leading out, copying nothing", async () => {
    symlinkSync(outside, join(root, "link.txt"));
    const refused = await Promise.all(
      [outside, `${root}/../secret.txt`, "agent/report.txt", join(root, "link.txt")].map((path) =>
        copyFileFromRoots(path, options()),
      ),
    );
    expect(refused.map((result) => !result.ok && result.reason)).toEqual([
      "path-rejected",
      "path-rejected",
      "path-rejected",
      "path-rejected",
    ]);
    expect(refused.map((result) => (result.ok ? "" : result.detail))).toEqual([
      expect.stringContaining("is outside every allowed root"),
      expect.stringContaining("contains a .. segment"),
      expect.stringContaining("is relative"),
      expect.stringContaining("resolves through a symlink"),
    ]);
    expect(staged()).toEqual([]);
  });

  it("says what is wrong with a missing file, a folder and a file over the cap", async () => {
    mkdirSync(join(root, "folder"));
    writeFileSync(join(root, "big.bin"), Buffer.alloc(2048));
    const results = await Promise.all(
      ["missing.txt", "folder", "big.bin"].map((name) => copyFileFromRoots(join(root, name), options())),
    );
    expect(results.map((result) => !result.ok && result.reason)).toEqual(["missing", "not-a-file", "too-large"]);
    expect(staged()).toEqual([]);
  });

  it("refuses a file swapped for a symlink between the check and the open, reading nothing", async () => {
    const local = createLocalSource({ home: top });
    const source: AttachmentSource = {
      ...local,
      async stat(path) {
        const checked = await local.stat(path);
        rmSync(path);
        symlinkSync(outside, path);
        return checked;
      },
    };
    const result = await copyFileFromRoots(join(root, "report.txt"), options({ source }));
    expect(result).toMatchObject({ ok: false, reason: "swapped" });
    expect(staged()).toEqual([]);
  });

  it("deletes the copy when a folder on the way was swapped for a symlink while it was read", async () => {
    mkdirSync(join(root, "sub"));
    writeFileSync(join(root, "sub", "report.txt"), "quarterly report");
    mkdirSync(join(top, "elsewhere"));
    writeFileSync(join(top, "elsewhere", "report.txt"), "another file");
    const local = createLocalSource({ home: top });
    const source: AttachmentSource = {
      ...local,
      async openRead(path, expected) {
        const stream = await local.openRead(path, expected);
        renameSync(join(root, "sub"), join(root, "sub-old"));
        symlinkSync(join(top, "elsewhere"), join(root, "sub"));
        return stream;
      },
    };
    const result = await copyFileFromRoots(join(root, "sub", "report.txt"), options({ source }));
    expect(result).toMatchObject({ ok: false, reason: "swapped" });
    expect(staged()).toEqual([]);
  });
});

describe("statFileInRoots", () => {
  it("returns the resolved path and size of a file inside a root, and never stats a path outside", async () => {
    const stats: string[] = [];
    const local = createLocalSource({ home: top });
    const source: AttachmentSource = {
      ...local,
      stat: (path) => {
        stats.push(path);
        return local.stat(path);
      },
    };
    const inside = await statFileInRoots(join(root, "report.txt"), options({ source }));
    expect(inside).toMatchObject({ ok: true, resolvedPath: join(root, "report.txt"), stat: { size: 16 } });
    expect(await statFileInRoots(outside, options({ source }))).toMatchObject({ ok: false, reason: "path-rejected" });
    expect(stats).toEqual([join(root, "report.txt")]);
  });
});
