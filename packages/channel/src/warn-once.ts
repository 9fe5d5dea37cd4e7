import type { Logger } from "@imessage-channel/kit";

/** Logs each key's warning the first time only (an unavailable bridge, an unenforceable mention gate). */
export function createWarnOnce(logger: Logger): (key: string, message: string) => void {
  const warned = new Set<string>();
  return (key, message) => {
    if (warned.has(key)) return;
    warned.add(key);
    logger.warn({}, message);
  };
}
