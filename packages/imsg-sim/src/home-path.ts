import { statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** Expands `~` and `~user` against the current user's home, as imsg does for paths it reads. */
export function expandHome(path: string): string {
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  if (path.startsWith("~")) {
    const slash = path.indexOf("/");
    const user = slash === -1 ? path.slice(1) : path.slice(1, slash);
    const rest = slash === -1 ? "" : path.slice(slash + 1);
    return join(dirname(homedir()), user, rest);
  }
  return path;
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
