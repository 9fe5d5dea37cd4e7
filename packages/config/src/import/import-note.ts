/** One line of the import report: a key that was not carried (and why), or a note about one that was. */
export interface ImportNote {
  path: string;
  carried: boolean;
  reason: string;
}

export function formatNote(note: ImportNote): string {
  return `${note.path}: ${note.carried ? "carried; " : "not carried; "}${note.reason}`;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
