import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { realpath } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileAttachmentRoots } from "./attachment-roots.ts";
import { resolveAttachmentPath } from "./resolve-attachment-path.ts";

let top: string;
let root: string;
let outside: string;

beforeAll(() => {
  // realpathSync so the tree itself has no symlinked prefix; a symlinked alias is added on purpose below.
  top = realpathSync(mkdtempSync(join(tmpdir(), "attachments-resolve-")));
  root = join(top, "home", "bob", "Library", "Messages", "Attachments");
  outside = join(top, "secret");
  mkdirSync(join(root, "4a", "10"), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(root, "4a", "10", "IMG_1.jpg"), "photo");
  writeFileSync(join(outside, "id_ed25519"), "private key");
  symlinkSync(join(outside, "id_ed25519"), join(root, "4a", "10", "looks-like-a.jpg"));
  symlinkSync(outside, join(root, "4a", "linked-dir"));
  symlinkSync(join(root, "4a", "10", "IMG_1.jpg"), join(root, "4a", "inner-link.jpg"));
  symlinkSync(join(top, "home"), join(top, "home-alias"));
});

afterAll(() => rmSync(top, { recursive: true, force: true }));

function resolve(path: string, patterns = [join(top, "home", "*", "Library", "Messages", "Attachments")]) {
  return resolveAttachmentPath(path, compileAttachmentRoots(patterns, "/nonexistent-home"), {
    home: "/nonexistent-home",
    realpath,
  });
}

describe("resolveAttachmentPath (local realpath)", () => {
  it("accepts a regular file below a glob root", async () => {
    const path = join(root, "4a", "10", "IMG_1.jpg");
    expect(await resolve(path)).toEqual({ kind: "accepted", path, resolvedPath: path });
  });

  it("accepts a symlink that stays inside the roots, handing back its target", async () => {
    expect(await resolve(join(root, "4a", "inner-link.jpg"))).toMatchObject({
      kind: "accepted",
      resolvedPath: join(root, "4a", "10", "IMG_1.jpg"),
    });
  });

  it("rejects a symlinked file inside the root that points outside, naming where it leads", async () => {
    const result = await resolve(join(root, "4a", "10", "looks-like-a.jpg"));
    expect(result.kind).toBe("rejected");
    expect(result.kind === "rejected" && result.reason).toContain(join(outside, "id_ed25519"));
  });

  it("rejects a file reached through a symlinked parent directory", async () => {
    const result = await resolve(join(root, "4a", "linked-dir", "id_ed25519"));
    expect(result).toMatchObject({ kind: "rejected", reason: expect.stringMatching(/resolves through a symlink/) });
  });

  it("rejects .. before touching the file system, even when the target exists", async () => {
    const result = await resolve(`${root}/../../../../../secret/id_ed25519`);
    expect(result).toMatchObject({ kind: "rejected", reason: "contains a .. segment" });
  });

  it("rejects NUL bytes and relative paths", async () => {
    expect(await resolve(`${join(root, "4a", "10", "IMG_1.jpg")}\0`)).toMatchObject({
      kind: "rejected",
      reason: "contains a NUL byte",
    });
    expect(await resolve("4a/10/IMG_1.jpg")).toMatchObject({
      kind: "rejected",
      reason: expect.stringMatching(/relative/),
    });
  });

  it("reports a file that does not exist (yet) as absent, not rejected", async () => {
    expect(await resolve(join(root, "4a", "10", "later.jpg"))).toMatchObject({ kind: "absent" });
  });

  it("accepts a file whose concrete root is configured through a symlinked prefix (like /tmp on macOS)", async () => {
    const aliasRoot = join(top, "home-alias", "bob", "Library", "Messages", "Attachments");
    const result = await resolve(join(aliasRoot, "4a", "10", "IMG_1.jpg"), [aliasRoot]);
    expect(result).toMatchObject({ kind: "accepted", resolvedPath: join(root, "4a", "10", "IMG_1.jpg") });
  });

  it("still rejects an escape when the root is configured through a symlinked prefix", async () => {
    const aliasRoot = join(top, "home-alias", "bob", "Library", "Messages", "Attachments");
    expect((await resolve(join(aliasRoot, "4a", "linked-dir", "id_ed25519"), [aliasRoot])).kind).toBe("rejected");
  });
});
