import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkAttachmentPath, compileAttachmentRoots, defaultAttachmentRoots } from "./attachment-roots.ts";

const home = "/Users/gw";
const roots = compileAttachmentRoots(defaultAttachmentRoots, home);
const rootPrefix = /^\/Users\/[^/]+\/Library\/Messages\/Attachments\/[^/]/;

/** Path pieces an attacker would try: traversal, separators, look-alikes, NUL, normalization variants. */
const tricky = fc.constantFrom(
  "..",
  ".",
  "",
  "/",
  "//",
  "\0",
  "~",
  "\\",
  "\uFF0F",
  "\uFF0E\uFF0E",
  "\u2215",
  "\u2044",
  "\u202E",
  "\u200B",
  "e\u0301",
  "\u00E9",
  "\uD800",
  "Users",
  "bob",
  "Library",
  "Messages",
  "Attachments",
  "AttachmentsX",
  "*",
  "**",
  "a.jpg",
);
const segment = fc.oneof(tricky, fc.string({ maxLength: 6 }), fc.string({ unit: "grapheme", maxLength: 4 }));
const candidate = fc.oneof(
  fc.array(segment, { maxLength: 9 }).map((parts) => `/${parts.join("/")}`),
  fc.array(segment, { maxLength: 5 }).map((parts) => `/Users/bob/Library/Messages/Attachments/${parts.join("/")}`),
  fc.array(segment, { maxLength: 9 }).map((parts) => parts.join("/")),
  fc.string({ maxLength: 60 }),
);

describe("root check, property-based", () => {
  it("never accepts a path that is not strictly below the root, normalized, absolute and free of tricks", () => {
    fc.assert(
      fc.property(candidate, (raw) => {
        const verdict = checkAttachmentPath(raw, roots, home);
        if (!verdict.accepted) return;
        const path = verdict.path;
        expect(path).toMatch(rootPrefix);
        expect(path.split("/")).not.toContain("..");
        expect(path.split("/")).not.toContain(".");
        expect(path).not.toContain("\0");
        expect(path).not.toContain("//");
        expect(path.endsWith("/")).toBe(false);
        expect(path.isWellFormed()).toBe(true);
        const compatibility = path.normalize("NFKC").split("/");
        expect(compatibility).toHaveLength(path.split("/").length);
        expect(compatibility).not.toContain("..");
      }),
      { numRuns: 3000 },
    );
  });

  it("accepts ordinary attachment paths below the root", () => {
    const name = fc
      .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9 ._-]{0,20}$/)
      .filter((text) => text !== "." && text !== ".." && !text.endsWith(" "));
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), (parts) => {
        const path = `/Users/bob/Library/Messages/Attachments/${parts.join("/")}`;
        expect(checkAttachmentPath(path, roots, home)).toEqual({ accepted: true, path });
      }),
      { numRuns: 500 },
    );
  });
});
