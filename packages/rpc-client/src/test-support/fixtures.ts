import { readFileSync } from "node:fs";

/** The recorded lines of one `__fixtures__` file (JSON lines), parsed. */
export function fixtureLines(name: string): Array<Record<string, unknown>> {
  return fixtureText(name)
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export function fixtureText(name: string): string {
  return readFileSync(new URL(`../__fixtures__/${name}`, import.meta.url), "utf8");
}

/** The `message` payloads of a recorded watch stream. */
export function recordedMessages(): unknown[] {
  return fixtureLines("watch-replay.notifications.jsonl").map((line) => (line.params as { message: unknown }).message);
}

/** The `result` of the index-th recorded response of a fixture file. */
export function fixtureResult<T>(name: string, index = 0): T {
  const line = fixtureLines(name)[index];
  if (line === undefined) throw new Error(`${name} has no line ${index}`);
  return line.result as T;
}
