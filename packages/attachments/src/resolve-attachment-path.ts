import { expandHome } from "@imessage-channel/kit";
import { type AttachmentRoot, checkPathAgainstRoots, rebaseAttachmentRoot } from "./attachment-roots.ts";

/** Resolves every symlink of a path; rejects with `code: "ENOENT"` when it does not exist (yet). */
export type Realpath = (path: string) => Promise<string>;

export type PathResolution =
  /** `path` is what was asked for (after `~`), `resolvedPath` the symlink-free path to open. */
  | { kind: "accepted"; path: string; resolvedPath: string }
  | { kind: "rejected"; path: string; reason: string }
  | { kind: "absent"; path: string };

export function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && (error as { code?: unknown }).code === "ENOENT";
}

/**
 * Where each root's literal prefix really is. A prefix that cannot be resolved keeps its configured
 * form: the resolved file path is compared against it literally, so nothing is gained by an attacker.
 */
export async function resolveRootBases(
  roots: readonly AttachmentRoot[],
  realpath: Realpath,
): Promise<AttachmentRoot[]> {
  const resolved = await Promise.all(
    roots.map(async (root) => {
      try {
        return rebaseAttachmentRoot(root, await realpath(root.base));
      } catch {
        return root;
      }
    }),
  );
  return [...roots, ...resolved.filter((root, index) => root !== roots[index])];
}

/**
 * Checks an attachment path twice: as given (pure, before any request touches it), then after resolving
 * symlinks of the file and of each root's literal prefix, so a symlinked file or parent that points outside
 * every root is refused. `realpath` is `fs.promises.realpath` locally and SFTP `realpath` for a remote Mac.
 */
export async function resolveAttachmentPath(
  rawPath: string,
  roots: readonly AttachmentRoot[],
  options: { home: string; realpath: Realpath },
): Promise<PathResolution> {
  const path = expandHome(rawPath, options.home);
  const before = checkPathAgainstRoots(path, roots);
  if (!before.accepted) return { kind: "rejected", path, reason: before.reason };
  let resolvedPath: string;
  try {
    resolvedPath = await options.realpath(path);
  } catch (error) {
    if (isNotFound(error)) return { kind: "absent", path };
    throw error;
  }
  const resolvedRoots = await resolveRootBases(roots, options.realpath);
  const after = checkPathAgainstRoots(resolvedPath, resolvedRoots);
  if (!after.accepted) {
    return {
      kind: "rejected",
      path,
      reason: `resolves through a symlink to ${JSON.stringify(resolvedPath)}, which ${after.reason}`,
    };
  }
  return { kind: "accepted", path, resolvedPath };
}
