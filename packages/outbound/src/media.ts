import { errorMessage } from "@imessage-channel/kit";
import { OutboundError } from "./outbound-error.ts";

/** An attachment of Reply JSON or of an `upload-file` action: a file path, or base64 bytes with a filename. */
export type OutboundAttachment =
  | { path: string; filename?: string; asVoice?: boolean }
  | { base64: string; filename: string; asVoice?: boolean };

/** A checked attachment, ready to be staged where imsg can read it. */
export type MediaPlan =
  | { kind: "path"; path: string; filename: string; byteSize: number; asVoice: boolean }
  | { kind: "buffer"; data: Uint8Array; filename: string; byteSize: number; asVoice: boolean };

export const defaultMediaMaxMb = 16;

export interface MediaLimits {
  /** The byte cap (`mediaMaxBytes` of a resolved account: mediaMaxMb × 1024 × 1024). */
  mediaMaxBytes: number;
  /**
   * Size of a local file; the app passes `(path) => fs.promises.stat(path).then((s) => s.size)` or a check that
   * throws an OutboundError (e.g. `MEDIA_PATH_REFUSED` for a path outside the allowed folders), passed on as is.
   */
  sizeOfPath(path: string): Promise<number>;
}

/** Size checks plus staging: `stage` writes a buffer or copies a checked file where imsg reads it, and returns that path. */
export interface MediaStaging extends MediaLimits {
  stage(plan: MediaPlan): Promise<string>;
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

/** Throws MEDIA_TOO_LARGE naming the file, its size and the limit, before anything is sent. */
export function checkMediaSize(name: string, byteSize: number, mediaMaxBytes: number): void {
  if (byteSize <= mediaMaxBytes) return;
  throw new OutboundError(
    "MEDIA_TOO_LARGE",
    `attachment ${JSON.stringify(name)} is ${megabytes(byteSize)} MB (${byteSize} bytes), over the ${megabytes(mediaMaxBytes)} MB limit of channels.imessage.mediaMaxMb; send a smaller file or raise mediaMaxMb`,
  );
}

const dataUrlPrefix = /^data:[^,]*;base64,/i;
const base64Body = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decoded size of base64 text without decoding it, so an oversized payload is refused before any allocation. */
export function base64ByteLength(base64: string): number {
  const body = base64.replace(dataUrlPrefix, "").replace(/\s+/g, "");
  const padding = body.endsWith("==") ? 2 : body.endsWith("=") ? 1 : 0;
  return Math.floor((body.length * 3) / 4) - padding;
}

/** The last path segment, without control characters; never empty, never `.`/`..`. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? "";
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  return cleaned && cleaned !== "." && cleaned !== ".." ? cleaned : "attachment";
}

function invalid(message: string): OutboundError {
  return new OutboundError("MEDIA_INVALID", message);
}

/** Decodes and size-checks a base64 attachment (pure). */
export function planBufferMedia(
  attachment: { base64: string; filename: string; asVoice?: boolean },
  mediaMaxBytes: number,
): MediaPlan {
  const filename = safeFilename(attachment.filename ?? "");
  const body = attachment.base64.replace(dataUrlPrefix, "").replace(/\s+/g, "");
  if (!body || !base64Body.test(body) || body.length % 4 === 1) {
    throw invalid(`attachment ${JSON.stringify(filename)} is not valid base64; send the file's bytes base64-encoded`);
  }
  checkMediaSize(filename, base64ByteLength(body), mediaMaxBytes);
  const data = new Uint8Array(Buffer.from(body, "base64"));
  return { kind: "buffer", data, filename, byteSize: data.byteLength, asVoice: attachment.asVoice === true };
}

/**
 * Checks one outbound attachment against `mediaMaxMb` before sending: base64 by its decoded length,
 * a path by `sizeOfPath` (a missing file is MEDIA_INVALID, not a crash).
 */
export async function planMedia(attachment: OutboundAttachment, limits: MediaLimits): Promise<MediaPlan> {
  if ("base64" in attachment) return planBufferMedia(attachment, limits.mediaMaxBytes);
  const path = attachment.path.trim();
  if (!path || path.includes("\u0000")) {
    throw invalid(`attachment path ${JSON.stringify(attachment.path)} is empty or has a NUL byte; give a file path`);
  }
  const filename = safeFilename(attachment.filename ?? path);
  let byteSize: number;
  try {
    byteSize = await limits.sizeOfPath(path);
  } catch (error) {
    if (OutboundError.isInstance(error)) throw error; // the app's own verdict (e.g. MEDIA_PATH_REFUSED) stands
    throw new OutboundError(
      "MEDIA_INVALID",
      `attachment ${JSON.stringify(path)} cannot be read (${errorMessage(error)}); check the path the agent gave`,
      { cause: error },
    );
  }
  checkMediaSize(filename, byteSize, limits.mediaMaxBytes);
  return { kind: "path", path, filename, byteSize, asVoice: attachment.asVoice === true };
}

/** One attachment checked (`planMedia`) and staged: the path a `send` hands imsg. */
export async function stageMedia(attachment: OutboundAttachment, staging: MediaStaging): Promise<string> {
  return staging.stage(await planMedia(attachment, staging));
}
