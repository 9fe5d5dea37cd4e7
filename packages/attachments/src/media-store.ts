import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { type Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AttachmentError } from "./attachment-error.ts";

const accountIdPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** `<stateDir>/media/<accountId>`: the folder fetched attachments are copied into. */
export function mediaDirectory(stateDir: string, accountId: string): string {
  if (!accountIdPattern.test(accountId) || accountId.includes("..")) {
    throw new AttachmentError(
      "ACCOUNT_ID_INVALID",
      `account id ${JSON.stringify(accountId)} cannot name a media folder: use letters, digits, ".", "_" or "-"`,
    );
  }
  return join(stateDir, "media", accountId);
}

/** A file name safe on any file system, keeping a recognisable stem and the extension (agents sniff it). */
export function safeFileName(name: string): string {
  const base = basename(name.replaceAll("\\", "/"));
  const extension = extname(base)
    .replace(/[^A-Za-z0-9.]/g, "")
    .slice(0, 16);
  const stem = base
    .slice(0, base.length - extname(base).length)
    .normalize("NFC")
    .replace(/[^\p{L}\p{N}_-]+/gu, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 64);
  return `${stem || "attachment"}${extension}`;
}

/** Thrown inside the copy pipeline when the byte count passes the cap; the partial file is then removed. */
export class SizeCapExceeded extends Error {
  readonly bytesRead: number;
  constructor(bytesRead: number, maxBytes: number) {
    super(`more than ${maxBytes} bytes (read ${bytesRead} so far)`);
    this.name = "SizeCapExceeded";
    this.bytesRead = bytesRead;
  }
}

export interface StoredFile {
  path: string;
  bytes: number;
}

/**
 * Copies `source` into `directory` under a unique name (mode 0600, never overwriting), counting bytes as
 * they arrive and aborting as soon as the count passes `maxBytes`. The data goes to a hidden `.partial` file
 * that is renamed only once complete; on any failure the partial file is deleted before the error is rethrown.
 */
export async function storeStream(
  source: Readable,
  directory: string,
  fileName: string,
  maxBytes: number,
): Promise<StoredFile> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const name = `${Date.now().toString(36)}-${randomBytes(6).toString("hex")}-${safeFileName(fileName)}`;
  return storeStreamAt(source, join(directory, name), maxBytes);
}

/** `storeStream` to an exact path in an existing folder the caller owns (so no other name can clash there). */
export async function storeStreamAt(source: Readable, finalPath: string, maxBytes: number): Promise<StoredFile> {
  const partialPath = join(dirname(finalPath), `.${basename(finalPath)}.partial`);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) callback(new SizeCapExceeded(bytes, maxBytes));
      else callback(null, chunk);
    },
  });
  try {
    await pipeline(source, counter, createWriteStream(partialPath, { flags: "wx", mode: 0o600 }));
    await rename(partialPath, finalPath);
    return { path: finalPath, bytes };
  } catch (error) {
    source.destroy();
    await rm(partialPath, { force: true });
    throw error;
  }
}

/** Removes a stored file that turned out to be unusable (e.g. the source was still being written). */
export async function discardStored(path: string): Promise<void> {
  await rm(path, { force: true });
}

/**
 * Deletes `.partial` files older than `olderThanMs`: what a crash in the middle of a copy left behind.
 * Younger ones may belong to a copy in flight and are kept. Returns the names removed.
 */
export async function removeStalePartials(
  directory: string,
  olderThanMs: number,
  now: number = Date.now(),
): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(".") || !name.endsWith(".partial")) continue;
    const path = join(directory, name);
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isFile() || now - info.mtimeMs < olderThanMs) continue;
    await rm(path, { force: true });
    removed.push(name);
  }
  return removed;
}
