import type { ImsgPersonality } from "./personality.ts";
import { linuxRpcMethods } from "./rpc-descriptors.ts";
import type { Platform } from "./status-report.ts";

/**
 * What this build compiled for the platform (`supported_methods`, docs/imsg-protocol.md, initialize and status): on
 * Linux from 0.14 only the database methods, the others answer -32601; before 0.14 Linux compiled everything.
 */
export function compiledRpcMethods(personality: ImsgPersonality, platform: Platform): readonly string[] {
  if (platform !== "linux" || !personality.linuxLacksMacMethods) return personality.rpcMethods;
  return personality.rpcMethods.filter((method) => linuxRpcMethods.includes(method));
}
