import { mkdirSync } from "node:fs";
import { join } from "node:path";

/** `parent/name`, made if it is not there yet. */
export function directory(parent: string, name: string): string {
  const path = join(parent, name);
  mkdirSync(path, { recursive: true });
  return path;
}
