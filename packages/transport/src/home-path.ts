import { homedir } from "node:os";
import { join } from "node:path";

/** Expands a leading `~` or `~/` to the home directory; `~user` forms are left alone (no shell to ask). */
export function expandHomePath(path: string, home: string = homedir()): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return join(home, path.slice(2));
  return path;
}
