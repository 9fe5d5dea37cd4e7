import type { PathSegment } from "@imessage-channel/config";

/** One line of the import report: a key that was not carried (and why), or a note about one that was. */
export interface ImportNote {
  path: string;
  carried: boolean;
  reason: string;
}

/** The inverse of config's `formatKeyPath`, for the key paths that start the config package's error lines. */
export function parsePath(text: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const pattern = /([A-Za-z0-9_$*-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\./gy;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(match[3]) as string);
  }
  return segments;
}

export function formatNote(note: ImportNote): string {
  return `${note.path}: ${note.carried ? "carried; " : "not carried; "}${note.reason}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
