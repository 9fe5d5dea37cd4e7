import { closeSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export interface RotatingLogFileOptions {
  path: string;
  /** A write that would take the file past this size rotates it first. */
  maxBytes: number;
  /** Files kept in all, the live one included: `gateway.log`, `gateway.log.1`, … `gateway.log.<maxFiles - 1>`. */
  maxFiles: number;
  /** Told once when the file cannot be written (a full disk, a removed folder); logging goes on without it. */
  onError?: (error: Error) => void;
}

/**
 * The gateway's own log file, bounded by size: `maxFiles` files of at most `maxBytes` each, the oldest removed.
 * Writes are synchronous so a line is on disk before the process can exit (callers batch lines per event-loop turn).
 */
export class RotatingLogFile {
  readonly #options: RotatingLogFileOptions;
  #fd: number | undefined;
  #size = 0;
  #failed = false;

  constructor(options: RotatingLogFileOptions) {
    this.#options = options;
  }

  get path(): string {
    return this.#options.path;
  }

  write(text: string): boolean {
    if (this.#failed) return true;
    try {
      const bytes = Buffer.byteLength(text);
      if (this.#fd === undefined) this.#open();
      if (this.#size > 0 && this.#size + bytes > this.#options.maxBytes) this.#rotate();
      this.#size += writeSync(this.#fd as number, text);
    } catch (error) {
      this.#failed = true;
      this.close();
      this.#options.onError?.(error as Error);
    }
    return true;
  }

  close(): void {
    if (this.#fd === undefined) return;
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      closeSync(fd);
    } catch {
      // Already closed: nothing left to flush (writes are synchronous).
    }
  }

  #open(): void {
    mkdirSync(dirname(this.#options.path), { recursive: true, mode: 0o700 });
    // Logs hold chat metadata (and, with redactHandles off, handles): the owner's only, as the rest of the state dir.
    this.#fd = openSync(this.#options.path, "a", 0o600);
    this.#size = fstatSync(this.#fd).size;
  }

  /** `gateway.log` → `.1` → `.2` …; the one past `maxFiles - 1` is removed. */
  #rotate(): void {
    this.close();
    const { path, maxFiles } = this.#options;
    const numbered = (index: number) => (index === 0 ? path : `${path}.${index}`);
    rmSync(numbered(maxFiles - 1), { force: true });
    for (let index = maxFiles - 2; index >= 0; index--) {
      try {
        renameSync(numbered(index), numbered(index + 1));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }
    // With maxFiles 1 the live file was just removed: it starts over.
    this.#fd = openSync(path, "a", 0o600);
    this.#size = 0;
  }
}
