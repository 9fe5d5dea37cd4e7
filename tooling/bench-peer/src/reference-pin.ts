import { join } from "node:path";

/**
 * The reference implementation the peer bench compares against, pinned: openclaw's gateway and its iMessage channel
 * plugin, the same release of both. Change the version here and nowhere else.
 */
export const referenceVersion = "2026.9.6";

/** What `npm install` is asked for, exact versions only. */
export const referencePackages: readonly string[] = [
  `openclaw@${referenceVersion}`,
  `@openclaw/imessage@${referenceVersion}`,
];

/**
 * Where the reference is installed (~660 MB): outside the workspace, one folder per version, so pnpm, turbo, biome
 * and vitest never see it. `${XDG_CACHE_HOME:-$HOME/.cache}/imessage-channel/bench-peer/<version>`.
 */
export function referenceCacheDirectory(
  environment: { XDG_CACHE_HOME?: string | undefined; HOME?: string | undefined },
  homeDirectory: string,
  version = referenceVersion,
): string {
  const cacheHome = environment.XDG_CACHE_HOME?.trim() || join(environment.HOME?.trim() || homeDirectory, ".cache");
  return join(cacheHome, "imessage-channel", "bench-peer", version);
}
