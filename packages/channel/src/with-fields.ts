import type { Logger } from "@imessage-channel/kit";

/** A logger that adds `fields` to every entry (kit's `Logger` has no `child`): one account's lines carry its id. */
export function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  return {
    debug: (entry, message) => logger.debug({ ...fields, ...entry }, message),
    info: (entry, message) => logger.info({ ...fields, ...entry }, message),
    warn: (entry, message) => logger.warn({ ...fields, ...entry }, message),
    error: (entry, message) => logger.error({ ...fields, ...entry }, message),
  };
}
