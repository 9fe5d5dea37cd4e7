import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { AttachmentError } from "./attachment-error.ts";
import { expandHome } from "./path-shape.ts";

/** The ssh2 authentication fields: an agent socket and/or one private key. */
export interface SshCredentials {
  agent?: string;
  privateKey?: Buffer;
}

const defaultKeyNames = ["id_ed25519", "id_ecdsa", "id_rsa"];

/**
 * The same credential order as the transport: a configured `identityFile`, else the ssh-agent at
 * `SSH_AUTH_SOCK` plus the first default key found in `~/.ssh`. Throws `SSH_NO_CREDENTIALS` when there is none.
 */
export async function resolveSshCredentials(options: {
  identityFile?: string;
  agentSocket?: string | undefined;
  home?: string;
  destination: string;
}): Promise<SshCredentials> {
  const home = options.home ?? homedir();
  if (options.identityFile) {
    try {
      return { privateKey: await readFile(expandHome(options.identityFile, home)) };
    } catch (error) {
      throw new AttachmentError(
        "SSH_NO_CREDENTIALS",
        `cannot read identity file "${options.identityFile}" for ${options.destination} (${(error as NodeJS.ErrnoException).code ?? "error"}): fix channels.imessage.ssh.identityFile`,
        { cause: error },
      );
    }
  }
  const credentials: SshCredentials = {};
  if (options.agentSocket) credentials.agent = options.agentSocket;
  for (const name of defaultKeyNames) {
    try {
      credentials.privateKey = await readFile(join(home, ".ssh", name));
      break;
    } catch {
      // try the next default key
    }
  }
  if (!credentials.agent && !credentials.privateKey) {
    throw new AttachmentError(
      "SSH_NO_CREDENTIALS",
      `no SSH credentials for ${options.destination}: start an ssh-agent (SSH_AUTH_SOCK), create ~/.ssh/id_ed25519, or set channels.imessage.ssh.identityFile`,
    );
  }
  return credentials;
}
