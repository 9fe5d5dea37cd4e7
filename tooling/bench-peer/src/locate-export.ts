import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The name a bundled chunk exports its own `localName` under, or undefined. Bundlers (the reference's rolldown) hash
 * chunk file names and export internals under one-letter aliases: `export { createIMessageRpcClient as o, … }`.
 * Only a chunk that declares `localName` counts, so a chunk importing it under that name (`import { o as
 * createIMessageRpcClient }`) or passing it on is not mistaken for its home.
 */
export function exportedNameOf(source: string, localName: string): string | undefined {
  if (!declares(source, localName)) return undefined;
  if (
    new RegExp(`^export\\s+(?:async\\s+)?(?:function\\*?|class|const|let|var)\\s+${localName}\\b`, "m").test(source)
  ) {
    return localName;
  }
  for (const list of source.matchAll(/^export\s*\{([^}]*)\}\s*;?\s*$/gm)) {
    for (const entry of list[1]!.split(",")) {
      const [local, exported] = entry.trim().split(/\s+as\s+/);
      if (local === localName) return (exported ?? local)!.trim();
    }
  }
  return undefined;
}

function declares(source: string, name: string): boolean {
  return new RegExp(`^(?:export\\s+)?(?:async\\s+)?(?:function\\*?|class|const|let|var)\\s+${name}\\b`, "m").test(
    source,
  );
}

/** Where a chunk of `directory` (`.js`/`.mjs`, not recursive) declares and exports `localName`, first by file name. */
export function findChunkExport(
  directory: string,
  localName: string,
): { file: string; exportName: string } | undefined {
  const files = readdirSync(directory)
    .filter((name) => name.endsWith(".mjs") || name.endsWith(".js"))
    .sort();
  for (const name of files) {
    const source = readFileSync(join(directory, name), "utf8");
    if (!source.includes(localName)) continue;
    const exportName = exportedNameOf(source, localName);
    if (exportName !== undefined) return { file: join(directory, name), exportName };
  }
  return undefined;
}
