import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { defaultIdentityFiles } from "@imessage-channel/transport";
// ssh2 is CommonJS: Node cannot see its named exports, so take them from the default export.
import ssh2, { type AnyAuthMethod } from "ssh2";
import { AttachmentError } from "./attachment-error.ts";
import { expandHome } from "./path-shape.ts";

/** ssh2 authentication methods in the order they are tried, and what they are (for messages, never key bytes). */
export interface SshCredentials {
  methods: AnyAuthMethod[];
  tried: string[];
}

/**
 * The transport's credential order (its loader is not exported yet, so this mirrors it): the ssh-agent at
 * `agentSocket` first, then the configured `identityFile` or else OpenSSH's default key files that exist and
 * are not passphrase-protected. Throws `SSH_NO_CREDENTIALS` when nothing is usable.
 */
export async function resolveSshCredentials(options: {
  username: string;
  destination: string;
  agentSocket?: string | undefined;
  identityFile?: string | undefined;
  home?: string;
}): Promise<SshCredentials> {
  const home = options.home ?? homedir();
  const methods: AnyAuthMethod[] = [];
  const tried: string[] = [];
  if (options.agentSocket) {
    methods.push({ type: "agent", username: options.username, agent: options.agentSocket });
    tried.push(`ssh-agent (${options.agentSocket})`);
  }
  const files = options.identityFile ? [expandHome(options.identityFile, home)] : defaultIdentityFiles(home);
  for (const path of files) {
    const key = await readKey(path);
    if (key instanceof Error || key === undefined) {
      if (options.identityFile) {
        throw new AttachmentError(
          "SSH_NO_CREDENTIALS",
          `channels.imessage.ssh.identityFile: cannot use "${path}" for ${options.destination}: ${key?.message ?? "no such file"}; use an unencrypted key, or load it into ssh-agent and leave identityFile unset`,
        );
      }
      continue;
    }
    methods.push({ type: "publickey", username: options.username, key });
    tried.push(path);
  }
  if (methods.length === 0) {
    throw new AttachmentError(
      "SSH_NO_CREDENTIALS",
      `no SSH credentials for ${options.destination}: SSH_AUTH_SOCK is not set and none of ${files.join(", ")} is usable; start ssh-agent with the key loaded or set channels.imessage.ssh.identityFile`,
    );
  }
  return { methods, tried };
}

async function readKey(path: string): Promise<Buffer | Error | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? undefined : new Error(`unreadable (${code ?? (error as Error).message})`);
  }
  const parsed = ssh2.utils.parseKey(bytes);
  if (parsed instanceof Error)
    return new Error(parsed.message.includes("passphrase") ? "it is passphrase-protected" : parsed.message);
  return bytes;
}
