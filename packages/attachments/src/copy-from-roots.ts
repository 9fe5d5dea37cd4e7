import type { AttachmentRoot } from "./attachment-roots.ts";
import type { AttachmentSource, SourceFileStat } from "./attachment-source.ts";
import { createLocalSource } from "./local-source.ts";
import { discardStored, SizeCapExceeded, storeStreamAt } from "./media-store.ts";
import { isNotFound, resolveAttachmentPath } from "./resolve-attachment-path.ts";

export interface RootedFileOptions {
  /** Compiled roots (`compileAttachmentRoots`). */
  roots: readonly AttachmentRoot[];
  /** What `~` in the path expands to. */
  home: string;
  /** Larger files are refused, from `stat` and again while copying. */
  maxBytes: number;
  /** Where the file is read from; defaults to `createLocalSource({ home })`. */
  source?: AttachmentSource;
}

/** Why a file was not used: `path-rejected` and `swapped` are refusals; the rest are problems with the file. */
export type RootedFileProblem = {
  ok: false;
  reason: "path-rejected" | "swapped" | "missing" | "not-a-file" | "too-large";
  detail: string;
};

export type RootedFileStat = { ok: true; path: string; resolvedPath: string; stat: SourceFileStat } | RootedFileProblem;

export type RootedFileCopy = { ok: true; path: string; bytes: number } | RootedFileProblem;

function problem(reason: RootedFileProblem["reason"], detail: string): RootedFileProblem {
  return { ok: false, reason, detail };
}

/**
 * The checks an inbound fetch makes before reading, for any local file: the path as given and after resolving
 * symlinks must lie below a root (nothing outside a root is ever asked of the file system), and it must be a
 * regular file within `maxBytes`.
 */
export async function statFileInRoots(rawPath: string, options: RootedFileOptions): Promise<RootedFileStat> {
  const source = options.source ?? createLocalSource({ home: options.home });
  const shown = JSON.stringify(rawPath);
  const resolution = await resolveAttachmentPath(rawPath, options.roots, {
    home: options.home,
    realpath: source.realpath,
  });
  if (resolution.kind === "rejected") return problem("path-rejected", `${shown} ${resolution.reason}`);
  if (resolution.kind === "absent") return problem("missing", `${shown} does not exist`);
  let stat: SourceFileStat;
  try {
    stat = await source.stat(resolution.resolvedPath);
  } catch (error) {
    if (isNotFound(error)) return problem("missing", `${shown} disappeared`);
    throw error;
  }
  if (!stat.isFile) return problem("not-a-file", `${shown} is not a regular file`);
  if (stat.size > options.maxBytes) {
    return problem("too-large", `${shown} is ${stat.size} bytes, over the cap of ${options.maxBytes} bytes`);
  }
  return { ok: true, path: resolution.path, resolvedPath: resolution.resolvedPath, stat };
}

/**
 * Copies a file that passes `statFileInRoots` to `destination` (mode 0600; its folder must exist and be the
 * caller's own), so whoever reads the copy reads exactly the bytes that were checked. The source is opened the
 * way inbound files are (`O_NOFOLLOW`, same device and inode as checked, path still resolving to itself), and
 * resolved again after the copy: a file or folder swapped for a symlink meanwhile is refused, its copy deleted.
 */
export async function copyFileFromRoots(
  rawPath: string,
  options: RootedFileOptions & { destination: string },
): Promise<RootedFileCopy> {
  const source = options.source ?? createLocalSource({ home: options.home });
  const checked = await statFileInRoots(rawPath, { ...options, source });
  if (!checked.ok) return checked;
  const shown = JSON.stringify(rawPath);
  let stored: { path: string; bytes: number };
  try {
    const stream = await source.openRead(checked.resolvedPath, checked.stat);
    stored = await storeStreamAt(stream, options.destination, options.maxBytes);
  } catch (error) {
    if (error instanceof SizeCapExceeded) {
      return problem("too-large", `${shown} grew past the cap of ${options.maxBytes} bytes while being copied`);
    }
    const code = (error as { code?: unknown }).code;
    // ELOOP: O_NOFOLLOW met a symlink where the checked file was.
    if (code === "ESWAPPED" || code === "ELOOP") {
      return problem("swapped", `${shown} was swapped between the check and the open; nothing was read`);
    }
    if (isNotFound(error)) return problem("missing", `${shown} disappeared while being copied`);
    throw error;
  }
  const stillThere = await source.realpath(checked.resolvedPath).catch(() => undefined);
  if (stillThere !== checked.resolvedPath) {
    await discardStored(stored.path);
    return problem("swapped", `${shown} resolved elsewhere after it was copied; the copy was deleted`);
  }
  return { ok: true, path: stored.path, bytes: stored.bytes };
}
