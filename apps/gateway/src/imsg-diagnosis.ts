import type { ResolvedAccount } from "@imessage-channel/config";
import type { LaunchFailure } from "@imessage-channel/rpc-client";

const brewInstall = "brew install steipete/tap/imsg";

function platformName(platform: NodeJS.Platform): string {
  if (platform === "linux") return "Linux";
  if (platform === "win32") return "Windows";
  return platform;
}

/**
 * What to do when imsg cannot be found for this account. imsg runs only on the Mac signed in to Messages: on that
 * Mac, install it; on any other machine the gateway reaches the Mac over SSH (the reference's wrapper script, or
 * native SSH), so `brew install` here would not help.
 */
export function imsgMissingFix(
  account: ResolvedAccount,
  failure: LaunchFailure | undefined,
  platform: NodeJS.Platform = process.platform,
): string {
  if (account.transport === "ssh") {
    return `install imsg on ${account.remoteHost ?? "the Mac"} (${brewInstall}) or set channels.imessage.remoteCliPath (now "${account.remoteCliPath}") to where it is`;
  }
  if (failure?.reason === "command-not-found") {
    return `install imsg on the Mac that ${account.cliPath} reaches (${brewInstall}), or fix the imsg path inside ${account.cliPath}`;
  }
  if (platform === "darwin") {
    return `install imsg (${brewInstall}) or set channels.imessage.cliPath to its full path (now "${account.cliPath}")`;
  }
  return `imsg runs only on the Mac signed in to Messages and this gateway runs on ${platformName(platform)}: set channels.imessage.cliPath to an SSH wrapper script (exec ssh -T user@mac imsg "$@") or use transport: "ssh" with remoteHost`;
}

/** The one line for an imsg that could not be run at all: what failed, then the fix that fits this machine. */
export function launchFailureLine(
  account: ResolvedAccount,
  failure: LaunchFailure,
  platform: NodeJS.Platform = process.platform,
): string {
  if (failure.reason === "not-found") {
    return `imsg not found at "${account.cliPath}": ${imsgMissingFix(account, failure, platform)}`;
  }
  if (failure.reason === "command-not-found")
    return `${failure.message}: ${imsgMissingFix(account, failure, platform)}`;
  // Not executable, a refused host key or login, a timeout: the transport's line already names its fix.
  return failure.message;
}
