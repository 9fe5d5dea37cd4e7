import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileAttachmentRoots } from "./attachment-roots.ts";
import { resolveAttachmentPath } from "./resolve-attachment-path.ts";

// A small real tree full of symlinks, relative and absolute, pointing in, out, up, at / and at themselves.
let top: string;
let root: string;

beforeAll(() => {
  top = realpathSync(mkdtempSync(join(tmpdir(), "attachments-fuzz-")));
  root = join(top, "root");
  mkdirSync(join(root, "a", "b"), { recursive: true });
  mkdirSync(join(top, "outside", "sub"), { recursive: true });
  mkdirSync(join(top, "rootx"));
  writeFileSync(join(root, "a", "file1.jpg"), "1");
  writeFileSync(join(root, "a", "b", "file2.jpg"), "2");
  writeFileSync(join(top, "outside", "secret"), "s");
  writeFileSync(join(top, "outside", "sub", "x"), "x");
  writeFileSync(join(top, "rootx", "file1.jpg"), "sibling");
  const links: Array<[string, string]> = [
    ["l_in_file", "a/file1.jpg"],
    ["l_in_dir", "a"],
    ["l_out_file", "../outside/secret"],
    ["l_out_abs", join(top, "outside", "secret")],
    ["l_out_dir", "../outside"],
    ["l_sibling", "../rootx"],
    ["l_loop", "l_loop"],
    ["l_slash", "/"],
    ["l_up", ".."],
    ["a/b/l_up2", "../.."],
  ];
  for (const [name, target] of links) symlinkSync(target, join(root, name));
});

afterAll(() => rmSync(top, { recursive: true, force: true }));

const names = fc.constantFrom(
  "a",
  "b",
  "file1.jpg",
  "file2.jpg",
  "l_in_file",
  "l_in_dir",
  "l_out_file",
  "l_out_abs",
  "l_out_dir",
  "l_sibling",
  "l_loop",
  "l_slash",
  "l_up",
  "l_up2",
  "secret",
  "sub",
  "x",
  "outside",
  "root",
  "rootx",
);
// Whole walks through the tree, so joined sequences often name something that exists.
const walks = fc.constantFrom(
  "a/file1.jpg",
  "a/b/file2.jpg",
  "l_in_dir/file1.jpg",
  "l_in_dir/b",
  "l_out_dir/secret",
  "l_out_dir/sub",
  "l_sibling/file1.jpg",
  "l_up/root",
  "l_up/outside",
  "l_up/rootx",
  "a/b/l_up2",
  "l_slash/tmp",
  "root/a",
);
const tricks = fc.constantFrom("..", ".", "", "\0", "\uFF0E\uFF0E", "etc", "passwd");
// Mostly real names so many paths exist and get resolved; tricks often enough to be mixed in.
const segment = fc.oneof(
  { arbitrary: walks, weight: 6 },
  { arbitrary: names, weight: 3 },
  { arbitrary: tricks, weight: 1 },
);

describe("resolveAttachmentPath over a real symlink tree, property-based", () => {
  it("only ever accepts files whose real location is strictly inside the root, and opening the path reaches it", async () => {
    const roots = compileAttachmentRoots([root], "/nonexistent");
    let accepted = 0;
    let escapes = 0;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 3 }), async (fromTop, parts) => {
        const path = `${fromTop ? top : root}/${parts.join("/")}`;
        const result = await resolveAttachmentPath(path, roots, { home: "/nonexistent", realpath }).catch(
          (error: NodeJS.ErrnoException) => {
            // Loops and "not a directory" are refusals by the OS, not acceptances.
            expect(["ELOOP", "ENOTDIR"]).toContain(error.code);
            return undefined;
          },
        );
        if (result?.kind === "rejected" && result.reason.startsWith("resolves through a symlink")) escapes += 1;
        if (result?.kind !== "accepted") return;
        accepted += 1;
        expect(result.resolvedPath.startsWith(`${root}/`)).toBe(true);
        expect(realpathSync(result.resolvedPath)).toBe(result.resolvedPath);
        expect(realpathSync(path)).toBe(result.resolvedPath);
      }),
      { numRuns: 400 },
    );
    // Not vacuous: both outcomes that need the file system were reached.
    expect(accepted).toBeGreaterThan(3);
    expect(escapes).toBeGreaterThan(3);
  });
});
