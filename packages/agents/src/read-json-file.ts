import { readFile, rename } from "node:fs/promises";

/** Reads a JSON file; a missing file is `undefined`, a corrupt one is moved aside and reported. */
export async function readJsonFile(path: string, onCorrupt: (movedTo: string) => void): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch {
    const movedTo = `${path}.corrupt-${Date.now()}`;
    await rename(path, movedTo);
    onCorrupt(movedTo);
    return undefined;
  }
}
