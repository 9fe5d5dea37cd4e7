import { basename } from "node:path";
import type { Logger } from "@imessage-channel/kit";
import { AttachmentError } from "./attachment-error.ts";
import { type AttachmentRoot, checkAttachmentPath } from "./attachment-roots.ts";
import type { AttachmentSource, SourceFileStat } from "./attachment-source.ts";
import type { ImsgAttachment, SkippedAttachment, SkipReason, TurnAttachment } from "./attachment-types.ts";
import { discardStored, SizeCapExceeded, storeStream } from "./media-store.ts";
import { isNotFound, resolveAttachmentPath } from "./resolve-attachment-path.ts";

export interface FetchAttachmentContext {
  source: AttachmentSource;
  /** The home directory `~` expands to on the source side (the Mac user's home for a remote source). */
  home: string;
  roots: readonly AttachmentRoot[];
  mediaDirectory: string;
  maxBytes: number;
  /** Hand the agent the resolved source path instead of a copy (local sources only). */
  handOriginal: boolean;
  /** Waits between attempts while a file is absent or still being written; its length is the retry count. */
  retryDelaysMs: readonly number[];
  sleep: (milliseconds: number) => Promise<void>;
  /** Bounds parallel transfers; held for one attempt, never across a retry's wait. */
  limit: <T>(task: () => Promise<T>) => Promise<T>;
  logger: Logger;
}

export type AttachmentOutcome = { ok: true; attachment: TurnAttachment } | { ok: false; skipped: SkippedAttachment };

/** Why one attempt did not produce a file but a later one might (Messages is still writing it). */
type NotReady = { retry: true; reason: "missing" | "incomplete"; detail: string };
type Attempt = AttachmentOutcome | NotReady;

/** The path to fetch: the converted file (PNG for GIF, M4A for CAF) when imsg made one inside the roots. */
function chooseSourcePath(attachment: ImsgAttachment, roots: readonly AttachmentRoot[], home: string) {
  const converted = attachment.convertedPath;
  if (converted && checkAttachmentPath(converted, roots, home).accepted) {
    return { path: converted, mimeType: attachment.convertedMimeType || attachment.mimeType };
  }
  return { path: attachment.originalPath, mimeType: attachment.mimeType };
}

async function attempt(
  attachment: ImsgAttachment,
  sourcePath: string,
  mimeType: string | undefined,
  home: string,
  context: FetchAttachmentContext,
): Promise<Attempt> {
  const filename = attachment.transferName || basename(sourcePath);
  const skip = (reason: SkipReason, detail: string): AttachmentOutcome => ({
    ok: false,
    skipped: { sourcePath, filename, reason, detail },
  });
  const resolution = await resolveAttachmentPath(sourcePath, context.roots, {
    home,
    realpath: context.source.realpath,
  });
  if (resolution.kind === "rejected")
    return skip("path-rejected", `attachment path ${JSON.stringify(sourcePath)} ${resolution.reason}`);
  if (resolution.kind === "absent") return { retry: true, reason: "missing", detail: `${sourcePath} does not exist` };

  let before: SourceFileStat;
  try {
    before = await context.source.stat(resolution.resolvedPath);
  } catch (error) {
    if (isNotFound(error)) return { retry: true, reason: "missing", detail: `${sourcePath} disappeared` };
    throw error;
  }
  if (!before.isFile) return skip("not-a-file", `${sourcePath} is not a regular file`);
  if (before.size > context.maxBytes) {
    return skip(
      "too-large",
      `${sourcePath} is ${before.size} bytes, over the mediaMaxMb cap of ${context.maxBytes} bytes`,
    );
  }
  const expected = attachment.totalBytes ?? 0;
  if (before.size === 0 || before.size < expected) {
    return {
      retry: true,
      reason: "incomplete",
      detail: `${sourcePath} has ${before.size} bytes of ${expected} bytes (still being written?)`,
    };
  }
  const turnAttachment = (path: string, byteSize: number): AttachmentOutcome => ({
    ok: true,
    attachment: { path, byteSize, filename, ...(mimeType ? { mimeType } : {}) },
  });
  if (context.handOriginal && context.source.isLocal) return turnAttachment(resolution.resolvedPath, before.size);

  let stored: { path: string; bytes: number };
  try {
    const stream = await context.source.openRead(resolution.resolvedPath, before);
    stored = await storeStream(stream, context.mediaDirectory, filename, context.maxBytes);
  } catch (error) {
    if (error instanceof SizeCapExceeded) {
      return skip(
        "too-large",
        `${sourcePath} grew past the mediaMaxMb cap of ${context.maxBytes} bytes while being read; the partial copy was deleted`,
      );
    }
    if (isNotFound(error))
      return { retry: true, reason: "missing", detail: `${sourcePath} disappeared while being read` };
    throw error;
  }
  const after = await context.source.stat(resolution.resolvedPath).catch(() => undefined);
  if (!after || after.size !== stored.bytes || after.mtimeMs !== before.mtimeMs) {
    await discardStored(stored.path);
    return {
      retry: true,
      reason: "incomplete",
      detail: `${sourcePath} changed while being copied (still being written?)`,
    };
  }
  // A directory swapped for a symlink while the copy ran would have let the read leave the roots.
  const stillThere = await context.source.realpath(resolution.resolvedPath).catch(() => undefined);
  if (stillThere !== resolution.resolvedPath) {
    await discardStored(stored.path);
    return skip(
      "path-rejected",
      `attachment path ${JSON.stringify(sourcePath)} resolved elsewhere after it was read; the copy was deleted`,
    );
  }
  return turnAttachment(stored.path, stored.bytes);
}

/**
 * Fetches one attachment: root check (before and after resolving symlinks), size cap from `stat` and while
 * reading, copy into the media folder. A file that is absent or still growing is retried after each delay of
 * `retryDelaysMs`, then reported loudly. Never throws for a problem with the file itself: the turn goes on.
 */
export async function fetchAttachment(
  attachment: ImsgAttachment,
  context: FetchAttachmentContext,
): Promise<AttachmentOutcome> {
  const { logger } = context;
  if (!attachment.originalPath) {
    const skipped: SkippedAttachment = {
      sourcePath: "",
      reason: "no-path",
      detail: "imsg reported an attachment without a file name",
      ...(attachment.transferName ? { filename: attachment.transferName } : {}),
    };
    logger.warn({ attachment: skipped }, `attachment skipped: ${skipped.detail}`);
    return { ok: false, skipped };
  }
  const { home } = context;
  const { path: sourcePath, mimeType } = chooseSourcePath(attachment, context.roots, home);
  for (let attemptIndex = 0; ; attemptIndex += 1) {
    let result: Attempt;
    try {
      result = await context.limit(() => attempt(attachment, sourcePath, mimeType, home, context));
    } catch (error) {
      return failed(sourcePath, attachment, error, context);
    }
    if (!("retry" in result)) {
      if (!result.ok)
        logger.warn(
          { attachment: result.skipped, source: context.source.description },
          `attachment skipped: ${result.skipped.detail}`,
        );
      return result;
    }
    const delay = context.retryDelaysMs[attemptIndex];
    if (delay === undefined) {
      const skipped: SkippedAttachment = {
        sourcePath,
        filename: attachment.transferName || basename(sourcePath),
        reason: result.reason,
        detail: `${result.detail}; gave up after ${attemptIndex + 1} attempts`,
      };
      logger.warn(
        { attachment: skipped, source: context.source.description },
        `attachment not delivered to the agent: ${skipped.detail}`,
      );
      return { ok: false, skipped };
    }
    logger.debug(
      { sourcePath, attempt: attemptIndex + 1, delayMs: delay },
      `attachment not ready, retrying: ${result.detail}`,
    );
    await context.sleep(delay);
  }
}

/** Reports an attachment that could not be read because of the source itself (SSH refused, permissions). */
export function failed(
  sourcePath: string,
  attachment: ImsgAttachment,
  error: unknown,
  context: Pick<FetchAttachmentContext, "source" | "logger">,
): AttachmentOutcome {
  const remote = AttachmentError.isInstance(error);
  const message = error instanceof Error ? error.message : String(error);
  const skipped: SkippedAttachment = {
    sourcePath,
    filename: attachment.transferName || basename(sourcePath),
    reason: remote ? "remote-unavailable" : "read-failed",
    detail: `${sourcePath} could not be read from ${context.source.description}: ${message}`,
  };
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") skipped.errorCode = code;
  context.logger.warn({ attachment: skipped, err: error }, `attachment skipped: ${skipped.detail}`);
  return { ok: false, skipped };
}
