import { readFileSync, statSync } from "node:fs";

/** Apple's sticker limits that imsg checks before staging (docs/imsg-protocol.md, New methods). */
export const stickerMaxBytes = 500 * 1024;
export const stickerMaxSide = 618;

interface ImageInfo {
  format: "png" | "gif" | "jpeg";
  width?: number;
  height?: number;
}

/** Format and size from the file's header; undefined when it is none of PNG/APNG, GIF, JPEG. */
export function stickerImageInfo(bytes: Uint8Array): ImageInfo | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.length >= 24 && view.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { format: "png", width: view.readUInt32BE(16), height: view.readUInt32BE(20) };
  }
  if (view.length >= 10 && view.subarray(0, 4).toString("latin1") === "GIF8") {
    return { format: "gif", width: view.readUInt16LE(6), height: view.readUInt16LE(8) };
  }
  if (view.length >= 3 && view[0] === 0xff && view[1] === 0xd8 && view[2] === 0xff) return { format: "jpeg" };
  return undefined;
}

/** The -32602 text for a file that cannot be a sticker, or undefined when it can. */
export function stickerProblem(path: string): string | undefined {
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return `sticker file not found: ${path}`;
  }
  if (size > stickerMaxBytes) return `sticker must be at most 500 KiB (got ${size} bytes)`;
  const info = stickerImageInfo(readFileSync(path));
  if (!info) return "sticker must be a PNG, APNG, GIF or JPEG image";
  if ((info.width ?? 0) > stickerMaxSide || (info.height ?? 0) > stickerMaxSide) {
    return `sticker must be at most ${stickerMaxSide}×${stickerMaxSide} pixels (got ${info.width}×${info.height})`;
  }
  return undefined;
}
