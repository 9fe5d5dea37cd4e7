import type { AttachmentLogger } from "../attachment-types.ts";

export interface LogEntry {
  level: "debug" | "warn";
  message: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every line, so tests can assert what an operator would read. */
export function recordingLogger(): AttachmentLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    debug: (fields, message) => entries.push({ level: "debug", message, fields }),
    warn: (fields, message) => entries.push({ level: "warn", message, fields }),
  };
}
