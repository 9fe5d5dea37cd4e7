import { readFileSync } from "node:fs";

/**
 * The version in this package's package.json, for `--version`. Found by walking up from this module, because it
 * runs from src/, dist/ and dist/bundle/ (rolldown moves it into the bundle), each a different depth below it.
 */
export function packageVersion(from: URL = new URL(import.meta.url)): string {
  let directory = new URL("./", from);
  for (;;) {
    const manifest = readManifest(new URL("package.json", directory));
    if (manifest?.name === "imessage-channel" && typeof manifest.version === "string") return manifest.version;
    const parent = new URL("../", directory);
    if (parent.href === directory.href) return "unknown";
    directory = parent;
  }
}

function readManifest(file: URL): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}
