import { describe, expect, it } from "vitest";
import { AttachmentError } from "./attachment-error.ts";
import { checkAttachmentPath, compileAttachmentRoots, defaultAttachmentRoots } from "./attachment-roots.ts";

const home = "/home/gw";
const roots = compileAttachmentRoots(defaultAttachmentRoots, home);
const inside = "/Users/bob/Library/Messages/Attachments/4a/10/ABC/IMG_0001.heic";

function reasonFor(path: string, patterns: readonly string[] = defaultAttachmentRoots): string | undefined {
  const verdict = checkAttachmentPath(path, compileAttachmentRoots(patterns, home), home);
  return verdict.accepted ? undefined : verdict.reason;
}

describe("checkAttachmentPath (pure)", () => {
  it("accepts a file below the default root for any user", () => {
    expect(checkAttachmentPath(inside, roots, home)).toEqual({ accepted: true, path: inside });
    expect(reasonFor("/Users/alice.smith/Library/Messages/Attachments/x.jpg")).toBeUndefined();
  });

  it("rejects the root itself and paths beside or above it", () => {
    expect(reasonFor("/Users/bob/Library/Messages/Attachments")).toMatch(/outside every allowed root/);
    expect(reasonFor("/Users/bob/Library/Messages/chat.db")).toMatch(/outside/);
    expect(reasonFor("/Users/bob/Library/Messages/AttachmentsEvil/x")).toMatch(/outside/);
    expect(reasonFor("/Users/a/b/Library/Messages/Attachments/x")).toMatch(/outside/);
    expect(reasonFor("/etc/passwd")).toMatch(/outside/);
  });

  it("rejects .. and . segments even when the result would stay inside", () => {
    expect(reasonFor("/Users/bob/Library/Messages/Attachments/../../../../etc/passwd")).toBe("contains a .. segment");
    expect(reasonFor("/Users/bob/Library/Messages/Attachments/a/../b.jpg")).toBe("contains a .. segment");
    expect(reasonFor("/Users/bob/Library/Messages/Attachments/./b.jpg")).toBe("contains a . segment");
  });

  it("rejects NUL bytes, relative paths, empty segments and control characters", () => {
    expect(reasonFor(`${inside}\0.txt`)).toBe("contains a NUL byte");
    expect(reasonFor("Users/bob/Library/Messages/Attachments/x")).toMatch(/relative/);
    expect(reasonFor("~bob/Library/Messages/Attachments/x")).toMatch(/relative/);
    expect(reasonFor("")).toBe("is empty");
    expect(reasonFor("/Users//Library/Messages/Attachments/x")).toMatch(/not normalized/);
    expect(reasonFor(`${inside}/`)).toMatch(/not normalized/);
    expect(reasonFor("/Users/bob/Library/Messages/Attachments/a\nb")).toMatch(/control/);
  });

  it("rejects Unicode look-alikes of slashes and dots, invisible characters and lone surrogates", () => {
    expect(reasonFor("/Users/bob/Library/Messages/Attachments/\uFF0E\uFF0E\uFF0F\uFF0E\uFF0E\uFF0Fetc")).toMatch(
      /look-alike/,
    );
    expect(reasonFor("/Users/bob/Library/Messages/Attachments/x\u2215..\u2215y")).toMatch(/look-alike of a slash/);
    expect(reasonFor("/Users/bob/Library/Messages/Attachments/\uFF0E\uFF0E")).toMatch(/look-alike of a \. or \.\./);
    expect(reasonFor("/Users/bob/Library/Messages/Attachments/\u202Egpj.exe")).toMatch(/invisible/);
    expect(reasonFor("/Users/bob/Library/Messages/Attachments/\uD800.jpg")).toMatch(/well-formed/);
  });

  it("matches code point for code point: an NFD look-alike of an NFC root is rejected", () => {
    const patterns = ["/srv/jos\u00E9/Attachments"];
    expect(reasonFor("/srv/jos\u00E9/Attachments/a.jpg", patterns)).toBeUndefined();
    expect(reasonFor("/srv/jose\u0301/Attachments/a.jpg", patterns)).toMatch(/only after Unicode normalization/);
  });

  it("expands ~ in roots and paths against the given home", () => {
    expect(reasonFor("~/Library/Messages/Attachments/a.jpg", ["~/Library/Messages/Attachments"])).toBeUndefined();
    expect(
      reasonFor("/home/gw/Library/Messages/Attachments/a.jpg", ["~/Library/Messages/Attachments"]),
    ).toBeUndefined();
    expect(reasonFor("/home/other/Library/Messages/Attachments/a.jpg", ["~/Library/Messages/Attachments"])).toMatch(
      /outside/,
    );
  });

  it("treats glob characters of the home directory literally", () => {
    const oddHome = "/home/a*";
    const compiled = compileAttachmentRoots(["~/Attachments"], oddHome);
    expect(checkAttachmentPath("/home/a*/Attachments/x", compiled, oddHome).accepted).toBe(true);
    expect(checkAttachmentPath("/home/abc/Attachments/x", compiled, oddHome).accepted).toBe(false);
  });

  it("refuses root patterns that are relative, negated, contain .. or are /", () => {
    for (const pattern of ["Library/Attachments", "!/Users/*", "/Users/../etc", "/", "//"]) {
      expect(() => compileAttachmentRoots([pattern], home), pattern).toThrow(AttachmentError);
    }
    expect(() => compileAttachmentRoots(["relative/dir"], home)).toThrow(
      expect.objectContaining({ code: "ROOT_PATTERN_INVALID", message: expect.stringContaining('"relative/dir"') }),
    );
  });
});
