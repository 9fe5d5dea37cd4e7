import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import {
  compileAttachmentRoots,
  copyFileFromRoots,
  escapeGlob,
  type RootedFileProblem,
  statFileInRoots,
} from "@imessage-channel/attachments";
import { type MediaStaging, OutboundError } from "@imessage-channel/outbound";

/** `<stateDir>/media/outbound/<agentId>`: where an agent puts files it attaches; always an allowed root. */
export function agentMediaDirectory(stateDir: string, agentId: string): string {
  return join(resolve(stateDir), "media", "outbound", agentId);
}

export interface OutboundMedia {
  /**
   * What outbound's `stageMedia` and action executor need, for one agent's replies: `stage` always makes a fresh
   * copy of ours, so the bytes sent are the bytes checked.
   */
  forAgent(agentId: string): MediaStaging;
}

export interface OutboundMediaOptions {
  stateDir: string;
  /** The account's `outboundMediaRoots`: folders allowed besides the agent's own staging folder. */
  roots: readonly string[];
  mediaMaxBytes: number;
  /** What `~` expands to, in roots and paths; the gateway user's home by default. */
  home?: string;
}

/** A refusal the operator may want to lift (a path outside the roots) or must know about (a swapped file). */
export function isOutboundRefusal(error: unknown): error is OutboundError {
  return (
    OutboundError.isInstance(error) && (error.code === "MEDIA_PATH_REFUSED" || error.code === "CROSS_CHAT_REFUSED")
  );
}

/**
 * Reply files from paths, checked like inbound attachments: the path as given and after resolving symlinks must
 * lie in the agent's staging folder or an `outboundMediaRoots` folder, and the file is copied (opened without
 * following symlinks, its identity checked) to `<stateDir>/media/outbound/.sent/<uuid>/` before imsg sees it.
 * Base64 files are written there too. Throws ROOT_PATTERN_INVALID for a bad root, so the account fails at start.
 */
export function createOutboundMedia(options: OutboundMediaOptions): OutboundMedia {
  const home = options.home ?? homedir();
  const configured = compileAttachmentRoots(options.roots, home);
  // `.sent` cannot be an agent id, so no agent's staging folder (an allowed root) holds another reply's copies.
  const sentDirectory = join(resolve(options.stateDir), "media", "outbound", ".sent");

  const byAgent = new Map<string, MediaStaging>();

  return {
    forAgent(agentId) {
      const known = byAgent.get(agentId);
      if (known) return known;
      const ownFolder = agentMediaDirectory(options.stateDir, agentId);
      const roots = [...compileAttachmentRoots([escapeGlob(ownFolder)], home), ...configured];
      const rejected = (problem: RootedFileProblem): OutboundError => {
        if (problem.reason === "path-rejected") {
          return new OutboundError(
            "MEDIA_PATH_REFUSED",
            `attachment path ${problem.detail}; write the file to ${ownFolder}/ or add its folder to channels.imessage.outboundMediaRoots`,
          );
        }
        if (problem.reason === "swapped")
          return new OutboundError("MEDIA_PATH_REFUSED", `attachment ${problem.detail}`);
        return new OutboundError("MEDIA_INVALID", `attachment ${problem.detail}; check the path the agent gave`);
      };
      const media: MediaStaging = {
        mediaMaxBytes: options.mediaMaxBytes,
        async sizeOfPath(path) {
          // The size cap is planMedia's (its message names mediaMaxMb); this is the root check.
          const checked = await statFileInRoots(path, { roots, home, maxBytes: Number.MAX_SAFE_INTEGER });
          if (!checked.ok) throw rejected(checked);
          return checked.stat.size;
        },
        async stage(plan) {
          const directory = join(sentDirectory, randomUUID());
          await mkdir(directory, { recursive: true, mode: 0o700 });
          const destination = join(directory, plan.filename);
          if (plan.kind === "buffer") {
            await writeFile(destination, plan.data, { mode: 0o600, flag: "wx" });
            return destination;
          }
          const copied = await copyFileFromRoots(plan.path, {
            roots,
            home,
            maxBytes: options.mediaMaxBytes,
            destination,
          });
          if (!copied.ok) throw rejected(copied);
          return copied.path;
        },
      };
      byAgent.set(agentId, media);
      return media;
    },
  };
}
