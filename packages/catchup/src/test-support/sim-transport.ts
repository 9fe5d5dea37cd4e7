import { simBinPath } from "@imessage-channel/imsg-sim";
import { LocalTransport } from "@imessage-channel/transport";

/** `imsg-sim rpc --db <dbPath>` through the transport package's LocalTransport, as the gateway runs imsg. */
export function simTransport(dbPath: string): LocalTransport {
  return new LocalTransport({
    cliPath: process.execPath,
    args: [simBinPath, "rpc", "--db", dbPath, "--platform", "linux"],
  });
}
