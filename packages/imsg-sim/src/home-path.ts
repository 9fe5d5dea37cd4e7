import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { expandHome } from "@imessage-channel/kit";

/**
 * Expands `~` and `~user` against the current user's home, as imsg does for paths it reads. The channel's own
 * `expandHome` (kit) deliberately leaves `~user` alone; only the simulator, mimicking imsg, resolves it.
 */
export function expandImsgHome(path: string): string {
  if (path.startsWith("~") && !path.startsWith("~/") && path !== "~") {
    const slash = path.indexOf("/");
    const user = slash === -1 ? path.slice(1) : path.slice(1, slash);
    const rest = slash === -1 ? "" : path.slice(slash + 1);
    return join(dirname(homedir()), user, rest);
  }
  return expandHome(path);
}

/** True when the path exists (symlinks followed) and is not a directory. */
export function isPresentFile(path: string): boolean {
  if (path === "") return false;
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}
