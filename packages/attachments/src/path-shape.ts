import { posix } from "node:path";

/** Characters that render like `/` or `\` but are not separators (NFKC does not map all of them). */
const slashLookalikes = /[\u2044\u2215\u2216\u2571\u2572\u29F5\u29F8\u29F9\uFE68\uFF0F\uFF3C]/u;
/** Zero-width, joiner and direction-changing characters: they hide what a path really says. */
const invisibles = /[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/u;
const controls = /[\u0001-\u001F\u007F-\u009F]/u;

/**
 * Why `path` is not a plain, absolute, normalized POSIX path, or undefined when it is.
 * Pure and string-only: it runs before any file system or SFTP request is made for the path.
 */
export function pathShapeProblem(path: string): string | undefined {
  if (path === "") return "is empty";
  if (path.includes("\0")) return "contains a NUL byte";
  if (!path.isWellFormed()) return "is not well-formed Unicode (lone surrogate)";
  if (controls.test(path)) return "contains control characters";
  if (invisibles.test(path)) return "contains invisible or direction-changing Unicode characters";
  if (slashLookalikes.test(path)) return "contains a Unicode look-alike of a slash";
  if (!path.startsWith("/")) return "is relative (attachment paths must be absolute)";
  const segments = path.split("/").slice(1);
  if (segments.includes("..")) return "contains a .. segment";
  if (segments.includes(".")) return "contains a . segment";
  if (path !== "/" && (path.endsWith("/") || path.includes("//"))) return "is not normalized (empty segment)";
  if (posix.normalize(path) !== path) return "is not normalized";
  const compatibility = path.normalize("NFKC");
  if (compatibility !== path) {
    const compatibilitySegments = compatibility.split("/");
    if (compatibilitySegments.length !== path.split("/").length) return "contains a Unicode look-alike of a slash";
    if (compatibilitySegments.some((segment) => segment === "." || segment === ".."))
      return "contains a Unicode look-alike of a . or .. segment";
  }
  return undefined;
}
