import { expandHome } from "@imessage-channel/kit";
import picomatch from "picomatch";
import { AttachmentError } from "./attachment-error.ts";
import { pathShapeProblem } from "./path-shape.ts";

/** The reference document's default for both `attachmentRoots` and `remoteAttachmentRoots`. */
export const defaultAttachmentRoots: readonly string[] = ["/Users/*/Library/Messages/Attachments"];

const matchOptions = { dot: true, windows: false } as const;
const globSpecial = /[*?[\]{}()!+@\\]/g;

/** Escapes text so picomatch reads it literally (a home or a resolved directory may contain `(` or `[`). */
export function escapeGlob(text: string): string {
  return text.replace(globSpecial, "\\$&");
}

/** One allowed root: the glob as configured (after `~` expansion), its literal prefix, and its matchers. */
export interface AttachmentRoot {
  /** The pattern after `~` expansion, without trailing slashes. */
  readonly pattern: string;
  /** The longest literal directory prefix of the pattern (the whole pattern when it has no glob). */
  readonly base: string;
  /** The glob part after `base`, `""` for a concrete root. */
  readonly glob: string;
  /** True when the path lies strictly below a directory this root matches. */
  readonly contains: (path: string) => boolean;
}

function buildRoot(pattern: string, base: string, glob: string): AttachmentRoot {
  const below = picomatch(`${pattern}/**`, matchOptions);
  const itself = picomatch(pattern, matchOptions);
  return { pattern, base, glob, contains: (path) => below(path) && !itself(path) };
}

/**
 * Compiles root patterns (`attachmentRoots` or `remoteAttachmentRoots`): `~` is expanded against `home`
 * (the gateway's home for local roots, the Mac user's home for remote ones). Throws `ROOT_PATTERN_INVALID`
 * for a pattern that is not absolute, has `.`/`..` segments, is negated or is the file system root.
 */
export function compileAttachmentRoots(patterns: readonly string[], home: string): AttachmentRoot[] {
  return patterns.map((raw) => {
    const expanded = raw === "~" || raw.startsWith("~/") ? escapeGlob(home) + raw.slice(1) : raw;
    const pattern = expanded.length > 1 ? expanded.replace(/\/+$/, "") : expanded;
    const problem = pattern.startsWith("!")
      ? "is negated"
      : pattern === "/" || pattern === ""
        ? "is the file system root"
        : pathShapeProblem(pattern);
    if (problem) {
      throw new AttachmentError(
        "ROOT_PATTERN_INVALID",
        `attachment root ${JSON.stringify(raw)} ${problem}: use an absolute directory glob such as "/Users/*/Library/Messages/Attachments"`,
      );
    }
    const scan = picomatch.scan(pattern);
    const base = scan.isGlob ? scan.base : pattern;
    return buildRoot(pattern, base, scan.isGlob ? scan.glob : "");
  });
}

/** The same root with its literal prefix replaced by where that prefix really is (after resolving symlinks). */
export function rebaseAttachmentRoot(root: AttachmentRoot, resolvedBase: string): AttachmentRoot {
  if (resolvedBase === root.base) return root;
  const escapedBase = escapeGlob(resolvedBase);
  const pattern = root.glob === "" ? escapedBase : `${escapedBase === "/" ? "" : escapedBase}/${root.glob}`;
  return buildRoot(pattern, resolvedBase, root.glob);
}

export type PathVerdict = { accepted: true; path: string } | { accepted: false; reason: string };

/**
 * Pure check of one absolute path against the roots: its shape (no NUL, `..`, relative form or Unicode
 * tricks), then strictly below a matching root. Matching is exact code point by code point: a path that
 * matches only after Unicode normalization is a look-alike and is rejected.
 */
export function checkPathAgainstRoots(path: string, roots: readonly AttachmentRoot[]): PathVerdict {
  const problem = pathShapeProblem(path);
  if (problem) return { accepted: false, reason: problem };
  if (roots.some((root) => root.contains(path))) return { accepted: true, path };
  const lookalike = ["NFC", "NFD"].some((form) => {
    const normalized = path.normalize(form);
    return normalized !== path && roots.some((root) => root.contains(normalized));
  });
  if (lookalike)
    return { accepted: false, reason: "matches an allowed root only after Unicode normalization (look-alike)" };
  return { accepted: false, reason: `is outside every allowed root (${roots.map((root) => root.pattern).join(", ")})` };
}

/** `~` expansion then `checkPathAgainstRoots`. */
export function checkAttachmentPath(path: string, roots: readonly AttachmentRoot[], home: string): PathVerdict {
  return checkPathAgainstRoots(expandHome(path, home), roots);
}
