import type { RpcClientLogger } from "../logger.ts";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps what it was told, so tests can assert that bad input was reported. */
export function recordingLogger(): RpcClientLogger & { entries: LogEntry[]; find(text: string): LogEntry | undefined } {
  const entries: LogEntry[] = [];
  const record =
    (level: LogEntry["level"]) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, message, fields });
    };
  return {
    entries,
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
    find: (text) => entries.find((entry) => entry.message.includes(text)),
  };
}
