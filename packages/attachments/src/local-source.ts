import { constants } from "node:fs";
import { open, realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import type { Readable } from "node:stream";
import type { AttachmentSource, SourceFileStat } from "./attachment-source.ts";

/**
 * Reads attachments from this machine. The file is opened without following a final symlink and its
 * identity (device + inode) compared with the path's, so a file swapped for a symlink between the root
 * check and the open is refused instead of read.
 */
export function createLocalSource(options: { home?: string } = {}): AttachmentSource {
  const home = options.home ?? homedir();
  return {
    description: "local",
    isLocal: true,
    home: async () => home,
    realpath: (path) => realpath(path),
    async stat(path): Promise<SourceFileStat> {
      const info = await stat(path);
      return { isFile: info.isFile(), size: info.size, mtimeMs: info.mtimeMs };
    },
    async openRead(path): Promise<Readable> {
      const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        const [opened, current] = await Promise.all([handle.stat(), stat(path)]);
        if (!opened.isFile() || opened.dev !== current.dev || opened.ino !== current.ino) {
          throw Object.assign(new Error(`${path} changed while it was being opened`), { code: "ESWAPPED" });
        }
        return handle.createReadStream({ autoClose: true });
      } catch (error) {
        await handle.close();
        throw error;
      }
    },
  };
}
