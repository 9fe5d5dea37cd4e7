import { defaults } from "./defaults.ts";
import type { Config, LogFormat } from "./schema.ts";

/** `logging.*` with the defaults applied; `format` stays unset when the file does not set it (a TTY decides then). */
export interface LoggingSettings {
  level: string;
  redactHandles: boolean;
  format?: LogFormat;
  /** The rotating log file: rotated once it would pass `maxBytes`, `maxFiles` kept in all (the live one included). */
  file: { enabled: boolean; maxBytes: number; maxFiles: number };
}

export function resolveLoggingSettings(config: Config | undefined): LoggingSettings {
  const logging = config?.logging ?? {};
  return {
    level: logging.level ?? defaults.logLevel,
    redactHandles: logging.redactHandles ?? defaults.redactHandles,
    ...(logging.format === undefined ? {} : { format: logging.format }),
    file: {
      enabled: logging.file ?? defaults.logFile,
      maxBytes: Math.round((logging.maxFileMb ?? defaults.logMaxFileMb) * 1024 * 1024),
      maxFiles: logging.maxFiles ?? defaults.logMaxFiles,
    },
  };
}
