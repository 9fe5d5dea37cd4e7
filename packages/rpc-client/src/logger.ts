/** The log levels this package uses, in pino's `(fields, message)` call shape, so a pino logger fits. */
export interface RpcClientLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: RpcClientLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};

const previewLength = 200;

/** The start of a line for the log: bad lines can be megabytes long and may hold message text. */
export function linePreview(line: string): string {
  return line.length > previewLength ? `${line.slice(0, previewLength)}… (${line.length} chars)` : line;
}
