/**
 * The one logger shape every package takes: pino's `(fields, message)` calls, so a pino logger fits as it is and a
 * package never needs a logging library of its own.
 */
export interface Logger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Writes nothing: the default where a caller passes no logger. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  fields: Record<string, unknown>;
}

/**
 * A logger that keeps what it was told, for tests that assert what an operator would read. With `lines`, each entry
 * is also appended there as `"<level> <message>"`.
 */
export function recordingLogger(lines?: string[]): Logger & {
  entries: LogEntry[];
  find(text: string): LogEntry | undefined;
} {
  const entries: LogEntry[] = [];
  const record =
    (level: LogEntry["level"]) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, message, fields });
      lines?.push(`${level} ${message}`);
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
