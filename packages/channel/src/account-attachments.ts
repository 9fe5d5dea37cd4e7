import {
  type AttachmentFetcher,
  createAccountAttachmentFetcher,
  type ImsgAttachment,
} from "@imessage-channel/attachments";
import type { ResolvedAccount } from "@imessage-channel/config";
import type { Logger } from "@imessage-channel/kit";
import { inspectSshWrapperFile } from "@imessage-channel/transport";

/** A fetcher that skips every attachment with `reason` (never rejects: the row still reaches the agent). */
function unavailableAttachments(reason: string): AttachmentFetcher {
  const skip = (attachment: ImsgAttachment) => ({
    sourcePath: attachment.originalPath,
    ...(attachment.transferName ? { filename: attachment.transferName } : {}),
    reason: "remote-unavailable" as const,
    detail: `${attachment.originalPath || attachment.transferName || "(no path)"} was not fetched: ${reason}`,
  });
  return {
    fetch: async (attachments) => ({ attachments: [], skipped: attachments.map(skip) }),
    close: async () => {},
  };
}

/**
 * Local paths, or SFTP from the Mac when `remoteHost` is set — or, as the reference does, when `cliPath` is an
 * SSH wrapper script whose host can be read from it. A wrapper that runs ssh somewhere it cannot name for sure
 * (a jump host, two destinations…) leaves attachments unavailable, said once: its Mac paths must never be read
 * from this disk as if the Mac were local.
 */
export async function createAttachmentFetcherFor(
  account: ResolvedAccount,
  options: { stateDir: string; logger: Logger },
): Promise<AttachmentFetcher> {
  const { stateDir, logger } = options;
  let settings = account;
  if (!account.remoteHost && account.transport === "local") {
    const inspection = await inspectSshWrapperFile(account.cliPath);
    if (inspection.kind === "ambiguous") {
      logger.error(
        {},
        `remoteHost cannot be auto-detected from the SSH wrapper ${account.cliPath}: ${inspection.reason}; attachments are unavailable until you set channels.imessage.remoteHost explicitly (host or user@host of the Mac)`,
      );
      return unavailableAttachments(
        `remoteHost could not be auto-detected from the SSH wrapper ${account.cliPath} (${inspection.reason})`,
      );
    }
    const wrapper = inspection.kind === "target" ? inspection.target : undefined;
    if (wrapper) {
      logger.info(
        {},
        `remoteHost auto-detected from the SSH wrapper ${account.cliPath}: ${wrapper.remoteHost} (attachments are fetched over SFTP)`,
      );
      settings = {
        ...account,
        remoteHost: wrapper.remoteHost,
        ssh: {
          ...account.ssh,
          port: wrapper.port ?? account.ssh.port,
          identityFile: wrapper.identityFile ?? account.ssh.identityFile,
        },
      };
    }
  }
  return createAccountAttachmentFetcher(settings, { stateDir, logger });
}
