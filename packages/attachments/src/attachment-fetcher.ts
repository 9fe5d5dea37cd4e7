import { setTimeout as delay } from "node:timers/promises";
import { type Logger, silentLogger } from "@imessage-channel/kit";
import pLimit from "p-limit";
import { AttachmentError } from "./attachment-error.ts";
import { type AttachmentRoot, compileAttachmentRoots, defaultAttachmentRoots } from "./attachment-roots.ts";
import type { AttachmentSource } from "./attachment-source.ts";
import type { FetchResult, ImsgAttachment } from "./attachment-types.ts";
import { type AttachmentOutcome, failed, fetchAttachment } from "./fetch-attachment.ts";
import { createLocalSource } from "./local-source.ts";
import { mediaDirectory, removeStalePartials } from "./media-store.ts";

export const defaultMediaMaxMb = 16;
/** Four retries over about 3.75 s: long enough for Messages to finish writing a photo or a voice memo. */
export const defaultRetryDelaysMs: readonly number[] = [250, 500, 1000, 2000];
export const defaultConcurrency = 2;
/** A `.partial` copy this old cannot belong to a transfer in flight: a crash left it. */
export const stalePartialAgeMs = 60 * 60 * 1000;

export interface AttachmentFetcherOptions {
  accountId: string;
  /** The state dir; copies go to `<stateDir>/media/<accountId>/`. */
  stateDir: string;
  /** `channels.imessage.mediaMaxMb` (default 16): larger files are skipped, checked before and while reading. */
  mediaMaxMb?: number;
  /** `copy` (default) copies into the media folder; `original` hands the agent the resolved local path. */
  delivery?: "copy" | "original";
  /** Root globs for the files' side: `attachmentRoots` locally, `remoteAttachmentRoots` for a remote source. */
  roots?: readonly string[];
  /** Where files are read from: this machine (default) or `createSftpSource(...)` for a remote Mac. */
  source?: AttachmentSource;
  /** Parallel transfers (default 2). */
  concurrency?: number;
  retryDelaysMs?: readonly number[];
  /** Injected so tests need no real waiting. */
  sleep?: (milliseconds: number) => Promise<void>;
  logger?: Logger;
}

export interface AttachmentFetcher {
  /** Fetches one message's attachments; never rejects for a file problem (see `skipped`). */
  fetch(attachments: readonly ImsgAttachment[]): Promise<FetchResult>;
  /** Releases the source (closes the SSH connection of a remote source). */
  close(): Promise<void>;
}

/**
 * Brings one account's inbound attachments to the gateway. Throws `ROOT_PATTERN_INVALID` or
 * `ACCOUNT_ID_INVALID` at construction, so a bad config fails at start-up rather than per message.
 */
export function createAttachmentFetcher(options: AttachmentFetcherOptions): AttachmentFetcher {
  const source = options.source ?? createLocalSource();
  const patterns = options.roots ?? defaultAttachmentRoots;
  // Any home will do here: this only surfaces a malformed pattern at start-up instead of at the first message.
  compileAttachmentRoots(patterns, "/home");
  const directory = mediaDirectory(options.stateDir, options.accountId);
  const mediaMaxMb = options.mediaMaxMb ?? defaultMediaMaxMb;
  if (!Number.isFinite(mediaMaxMb) || mediaMaxMb <= 0) {
    // NaN would compare false against every size and silently lift the cap.
    throw new AttachmentError(
      "MEDIA_CAP_INVALID",
      `mediaMaxMb ${String(mediaMaxMb)} is not a positive number of megabytes: set channels.imessage.mediaMaxMb (default 16)`,
    );
  }
  const maxBytes = Math.floor(mediaMaxMb * 1024 * 1024);
  const limit = pLimit(Math.max(1, options.concurrency ?? defaultConcurrency));
  const logger = options.logger ?? silentLogger;
  const sleep = options.sleep ?? ((milliseconds: number) => delay(milliseconds));
  let compiled: { home: string; roots: AttachmentRoot[] } | undefined;
  let swept: Promise<unknown> | undefined;

  async function rootsAndHome() {
    const home = await source.home();
    if (compiled?.home !== home) compiled = { home, roots: compileAttachmentRoots(patterns, home) };
    return compiled;
  }

  return {
    async fetch(attachments) {
      if (attachments.length === 0) return { attachments: [], skipped: [] };
      swept ??= removeStalePartials(directory, stalePartialAgeMs).then(
        (removed) => {
          if (removed.length > 0)
            logger.warn(
              { directory, removed },
              `removed ${removed.length} partial attachment copies left by an earlier crash`,
            );
        },
        (error) => logger.warn({ directory, err: error }, `could not sweep partial attachment copies in ${directory}`),
      );
      await swept;
      let prepared: { home: string; roots: AttachmentRoot[] };
      try {
        prepared = await rootsAndHome();
      } catch (error) {
        const skipped = attachments.map((attachment) => {
          const outcome = failed(attachment.originalPath, attachment, error, { source, logger });
          return outcome.ok ? undefined : outcome.skipped;
        });
        return { attachments: [], skipped: skipped.filter((entry) => entry !== undefined) };
      }
      const outcomes: AttachmentOutcome[] = await Promise.all(
        attachments.map((attachment) =>
          fetchAttachment(attachment, {
            source,
            home: prepared.home,
            roots: prepared.roots,
            mediaDirectory: directory,
            maxBytes,
            handOriginal: options.delivery === "original",
            retryDelaysMs: options.retryDelaysMs ?? defaultRetryDelaysMs,
            sleep,
            limit,
            logger,
          }),
        ),
      );
      const result: FetchResult = { attachments: [], skipped: [] };
      for (const outcome of outcomes) {
        if (outcome.ok) result.attachments.push(outcome.attachment);
        else result.skipped.push(outcome.skipped);
      }
      return result;
    },
    async close() {
      await source.close?.();
    },
  };
}
