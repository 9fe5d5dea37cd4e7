import { constants } from "node:fs";
import { open, realpath, stat } from "node:fs/promises";
import { homedir } from "node:os";
import type { Readable } from "node:stream";
import type { AttachmentSource, SourceFileStat } from "./attachment-source.ts";

/**
 * Reads attachments from this machine. The file is opened without following a final symlink, then before a
 * byte is read its identity (device + inode) must be the one stat saw after the root check and the one the path
 * names now, and the path must still resolve to itself: a file swapped for a symlink or another file, or a
 * folder on the way swapped for a symlink leading outside, between the check and the open is refused unread.
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
      return { isFile: info.isFile(), size: info.size, mtimeMs: info.mtimeMs, identity: identityOf(info) };
    },
    async openRead(path, expected): Promise<Readable> {
      const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        // O_NOFOLLOW guards only the last component: a swapped parent folder shows in the realpath.
        const [opened, current, resolved] = await Promise.all([handle.stat(), stat(path), realpath(path)]);
        const identity = identityOf(opened);
        const checked = expected.identity ?? identity;
        if (!opened.isFile() || identity !== identityOf(current) || identity !== checked || resolved !== path) {
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

function identityOf(info: { dev: number; ino: number }): string {
  return `${info.dev}:${info.ino}`;
}
