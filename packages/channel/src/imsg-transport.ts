import type { ResolvedAccount } from "@imessage-channel/config";
import { LocalTransport, type RunOnceOptions, SshTransport, type Transport } from "@imessage-channel/transport";

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

/** Options for a one-shot `imsg <args>` (status --json, rpc --help, --version) on the account's Mac. */
export function oneShotOptions(account: ResolvedAccount, args: readonly string[], timeoutMs = 10_000): RunOnceOptions {
  if (account.transport === "ssh" && account.remoteHost) {
    return {
      args,
      timeoutMs,
      transport: "ssh",
      remoteHost: account.remoteHost,
      port: account.ssh.port,
      remoteCliPath: account.remoteCliPath,
      identityFile: account.ssh.identityFile ?? undefined,
      knownHostsFile: account.ssh.knownHostsFile,
      keepaliveSec: account.ssh.keepaliveSec,
    };
  }
  return { args, timeoutMs, transport: "local", cliPath: account.cliPath };
}
