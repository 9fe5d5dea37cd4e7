import type { Readable } from "node:stream";
import type { Realpath } from "./resolve-attachment-path.ts";

/** What a fetch needs to know about a file before and after reading it. */
export interface SourceFileStat {
  isFile: boolean;
  size: number;
  mtimeMs: number;
  /** Which file this is (device and inode) when the source can tell, so the open can insist on the same one. */
  identity?: string;
}

/**
 * Where attachment files are read from: this machine, or the Mac over SFTP. Every path given to it has
 * already passed the root check; `realpath` and `stat` reject with `code: "ENOENT"` for a file that is absent.
 */
export interface AttachmentSource {
  /** `local` or `ssh user@host:port`, for log lines. */
  readonly description: string;
  /** Whether the agent may be handed the source path itself instead of a copy (only for local files). */
  readonly isLocal: boolean;
  /** The home directory `~` expands to on the side where the files are. */
  home(): Promise<string>;
  realpath: Realpath;
  stat(path: string): Promise<SourceFileStat>;
  /** Opens `path` for reading; `expected` is the stat just taken, so a swapped file can be refused. */
  openRead(path: string, expected: SourceFileStat): Promise<Readable>;
  /** Releases connections; a later call reconnects. */
  close?(): Promise<void>;
}
