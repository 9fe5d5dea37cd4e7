import type { ImsgPersonality } from "./personality.ts";
import type { Platform } from "./status-report.ts";

/** The methods imsg 0.14+ compiles on Linux (`macOSOnly: false`), in descriptor order. */
export const linuxCompiledMethods: readonly string[] = [
  "initialize",
  "status",
  "watch.unsubscribe",
  "chats.list",
  "chats.get",
  "messages.stats",
  "messages.history",
  "messages.search",
  "messages.after",
  "messages.scheduled",
  "watch.subscribe",
  "message.send_status",
];

/**
 * What this build compiled for the platform (`supported_methods`, docs/imsg-protocol.md, initialize and status): on
 * Linux from 0.14 only the database methods, the others answer -32601; before 0.14 Linux compiled everything.
 */
export function compiledRpcMethods(personality: ImsgPersonality, platform: Platform): readonly string[] {
  if (platform !== "linux" || !personality.linuxDropsMacOnlyMethods) return personality.rpcMethods;
  return personality.rpcMethods.filter((method) => linuxCompiledMethods.includes(method));
}
