import { mkdir, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";

export interface WriteFileAtomicallyOptions {
  /** The file's mode, set even on an existing file. Without it an existing file keeps its mode and a new one is 0600. */
  mode?: number;
  /** The mode of directories created on the way (e.g. 0o700); without it, the process default. */
  directoryMode?: number;
}

/** Makes a rename or a new file in `directory` durable: the entry itself is on disk only once the folder is synced. */
export async function fsyncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` so that a crash leaves the old or the new content, never a mix: write-file-atomic's fsync'd temp file
 * and rename, then an fsync of the directory so the rename itself survives a power loss (which write-file-atomic does
 * not do). Missing parent directories are created.
 */
export async function writeFileAtomically(
  path: string,
  data: string,
  options: WriteFileAtomicallyOptions = {},
): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, {
    recursive: true,
    ...(options.directoryMode === undefined ? {} : { mode: options.directoryMode }),
  });
  const mode =
    options.mode ??
    (await stat(path).then(
      (existing) => existing.mode & 0o777,
      () => 0o600,
    ));
  await writeFileAtomic(path, data, { mode, fsync: true });
  await fsyncDirectory(directory);
}
