import type { ResolvedAccount } from "@imessage-channel/config";
import { LocalTransport, SshTransport, type Transport } from "@imessage-channel/transport";

/** `imsg rpc [--db PATH]`: the one long-lived child of an account. */
export function rpcArgs(account: ResolvedAccount): string[] {
  return ["rpc", ...(account.dbPath ? ["--db", account.dbPath] : [])];
}

/** A transport running `imsg <args>` for the account: a local child (binary or wrapper script) or native SSH. */
export function createImsgTransport(account: ResolvedAccount, args: readonly string[]): Transport {
  if (account.transport === "ssh") {
    if (!account.remoteHost)
      throw new Error(`account ${account.accountId}: transport "ssh" needs channels.imessage.remoteHost`);
    return new SshTransport({
      remoteHost: account.remoteHost,
      port: account.ssh.port,
      remoteCliPath: account.remoteCliPath,
      args,
      identityFile: account.ssh.identityFile ?? undefined,
      knownHostsFile: account.ssh.knownHostsFile,
      keepaliveSec: account.ssh.keepaliveSec,
    });
  }
  return new LocalTransport({ cliPath: account.cliPath, args });
}
