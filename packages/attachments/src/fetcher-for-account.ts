import {
  type AttachmentFetcher,
  type AttachmentFetcherOptions,
  createAttachmentFetcher,
} from "./attachment-fetcher.ts";
import { defaultAttachmentRoots } from "./attachment-roots.ts";
import { createLocalSource } from "./local-source.ts";
import { createSftpSource } from "./sftp-source.ts";

/** The keys of a resolved account (`@imessage-channel/config`) this package reads; structural, so no dependency. */
export interface AttachmentAccountSettings {
  accountId: string;
  remoteHost?: string | null;
  ssh?: { port?: number; identityFile?: string | null; knownHostsFile?: string; keepaliveSec?: number };
  attachmentRoots?: readonly string[];
  remoteAttachmentRoots?: readonly string[];
  mediaMaxMb?: number;
}

export type AccountFetcherExtras = Omit<AttachmentFetcherOptions, "accountId" | "roots" | "source" | "mediaMaxMb"> & {
  /** Options for the SFTP source beyond the account's `ssh` keys (timeouts, idle close, agent socket). */
  sftp?: { connectTimeoutMs?: number; idleCloseMs?: number; agentSocket?: string };
};

/**
 * The fetcher an account needs. With `remoteHost` set, attachment paths are Mac-side: they are checked against
 * `remoteAttachmentRoots` and fetched over SFTP, and `delivery: "original"` is ignored (a Mac path means nothing
 * on the gateway). Without it, paths are local and checked against `attachmentRoots`.
 */
export function createAccountAttachmentFetcher(
  account: AttachmentAccountSettings,
  extras: AccountFetcherExtras,
): AttachmentFetcher {
  const { sftp, ...options } = extras;
  const base = {
    ...options,
    accountId: account.accountId,
    ...(account.mediaMaxMb === undefined ? {} : { mediaMaxMb: account.mediaMaxMb }),
  };
  if (!account.remoteHost) {
    return createAttachmentFetcher({
      ...base,
      roots: account.attachmentRoots ?? defaultAttachmentRoots,
      source: createLocalSource(),
    });
  }
  const ssh = account.ssh ?? {};
  const source = createSftpSource({
    remoteHost: account.remoteHost,
    ...(ssh.port === undefined ? {} : { port: ssh.port }),
    ...(ssh.identityFile ? { identityFile: ssh.identityFile } : {}),
    ...(ssh.knownHostsFile ? { knownHostsFile: ssh.knownHostsFile } : {}),
    ...(ssh.keepaliveSec === undefined ? {} : { keepaliveSec: ssh.keepaliveSec }),
    ...sftp,
  });
  return createAttachmentFetcher({
    ...base,
    delivery: "copy",
    roots: account.remoteAttachmentRoots ?? defaultAttachmentRoots,
    source,
  });
}
