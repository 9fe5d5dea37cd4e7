import { homedir } from "node:os";
import { posix } from "node:path";

/**
 * Expands a leading `~` or `~/` against `home` (the current user's by default). `~user` forms are left alone: there
 * is no shell to ask, and a path that stays relative is refused later by whoever needs an absolute one.
 */
export function expandHome(path: string, home: string = homedir()): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return posix.join(home, path.slice(2));
  return path;
}
