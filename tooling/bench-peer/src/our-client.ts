import { ImsgClient } from "@imessage-channel/rpc-client";
import { LocalTransport } from "@imessage-channel/transport";

/**
 * `imsg rpc` as the channel spawns it for a local account (its `createImsgTransport` is a LocalTransport), started.
 * Only rpc-client and transport are loaded, so a child measuring the client's RSS holds nothing of the channel.
 */
export async function startOurClient(cliPath: string): Promise<ImsgClient> {
  const client = new ImsgClient({ transport: new LocalTransport({ cliPath, args: ["rpc"] }) });
  await client.start();
  return client;
}
