import { type Config, type LogFormat, logFormats, logLevels, resolveLoggingSettings } from "@imessage-channel/config";
import { CliError } from "./cli-io.ts";
import { createLogger, type Logger } from "./logger.ts";
import { RotatingLogFile } from "./rotating-log-file.ts";
import { logFilePath } from "./startup-summary.ts";

export interface GatewayLoggingInput {
  config: Config | undefined;
  env: NodeJS.ProcessEnv;
  stateDir: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** `--log-level`, `--log-format`, `--account` as typed. */
  level?: string;
  format?: string;
  accountId?: string;
}

export interface GatewayLogging {
  logger: Logger;
  /** The rotating file, when `logging.file` is on. */
  file?: { path: string; maxBytes: number; maxFiles: number };
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new CliError(`${flag}: "${value}" is not one of ${allowed.join(" | ")}`, 2);
}

/**
 * The gateway's logger. Level: `--log-level`, else `$IMESSAGE_CHANNEL_LOG_LEVEL`, else `logging.level` (info).
 * Format: `--log-format`, else `logging.format`, else pretty on a terminal and JSON otherwise. The log file always
 * gets JSON lines, whatever the format, so `imessage-channel logs` can show them either way.
 */
export function createGatewayLogging(input: GatewayLoggingInput): GatewayLogging {
  const settings = resolveLoggingSettings(input.config);
  const level =
    input.level !== undefined
      ? oneOf("--log-level", input.level, logLevels)
      : (input.env.IMESSAGE_CHANNEL_LOG_LEVEL ?? settings.level);
  const format: LogFormat | undefined =
    input.format !== undefined ? oneOf("--log-format", input.format, logFormats) : settings.format;
  const rotating = settings.file.enabled
    ? new RotatingLogFile({
        path: logFilePath(input.stateDir, input.accountId),
        maxBytes: settings.file.maxBytes,
        maxFiles: settings.file.maxFiles,
        onError: (error) =>
          input.stderr.write(
            `log file ${logFilePath(input.stateDir, input.accountId)} cannot be written (${error.message}); logging to stdout only\n`,
          ),
      })
    : undefined;
  const logger = createLogger({
    destination: input.stdout,
    level,
    redactHandles: settings.redactHandles,
    ...(format === undefined ? {} : { pretty: format === "pretty" }),
    batchWrites: true,
    ...(rotating ? { file: rotating } : {}),
  });
  return {
    logger,
    ...(rotating
      ? { file: { path: rotating.path, maxBytes: settings.file.maxBytes, maxFiles: settings.file.maxFiles } }
      : {}),
  };
}
