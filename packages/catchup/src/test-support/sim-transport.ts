import { simBinPath } from "@imessage-channel/imsg-sim";
import { LocalTransport } from "@imessage-channel/transport";

/**
 * `imsg-sim rpc --db <dbPath>` through the transport package's LocalTransport, as the gateway runs imsg; `extraArgs`
 * e.g. `--imsg-version 0.9.0` or `--request-log <file>`.
 */
export function simTransport(dbPath: string, extraArgs: readonly string[] = []): LocalTransport {
  return new LocalTransport({
    cliPath: process.execPath,
    args: [simBinPath, "rpc", "--db", dbPath, "--platform", "linux", ...extraArgs],
  });
}
