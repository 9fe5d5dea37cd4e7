import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import {
  checkHostKey,
  fingerprintOf,
  type KnownHostsEntry,
  keyTypeOfBlob,
  knownHostsName,
  parseKnownHosts,
} from "./known-hosts.ts";
import { formatRemoteHost } from "./remote-host.ts";
import { TransportError } from "./transport-error.ts";

/** Where the server is and which known_hosts file vouches for it. */
export interface HostKeyContext {
  host: string;
  port: number;
  user: string | undefined;
  knownHostsPath: string;
}

/** Reads and parses a known_hosts file; any read failure refuses (fail closed) with `KNOWN_HOSTS_UNREADABLE`. */
export async function loadKnownHosts(context: HostKeyContext): Promise<KnownHostsEntry[]> {
  let text: string;
  try {
    text = await readFile(context.knownHostsPath, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new TransportError(
      "KNOWN_HOSTS_UNREADABLE",
      `cannot read known_hosts file "${context.knownHostsPath}" (${code}), so the host key of ${formatRemoteHost(context)} cannot be verified and the connection is refused: run ${trustCommand(context)} once to create it and trust the host, or set channels.imessage.ssh.knownHostsFile`,
      { cause: error },
    );
  }
  return parseKnownHosts(text);
}

/** Throws `HOST_KEY_UNKNOWN`, `HOST_KEY_MISMATCH` or `HOST_KEY_REVOKED` unless known_hosts trusts `blob` for the host. */
export function verifyHostKey(entries: readonly KnownHostsEntry[], context: HostKeyContext, blob: Buffer): void {
  const failure = hostKeyFailure(entries, context, blob);
  if (failure !== undefined) throw failure;
}

/** The refusal for `blob`, or undefined when known_hosts trusts it. */
export function hostKeyFailure(
  entries: readonly KnownHostsEntry[],
  context: HostKeyContext,
  blob: Buffer,
): TransportError | undefined {
  const check = checkHostKey(entries, context.host, context.port, blob);
  const offered = `${keyTypeOfBlob(blob) ?? "unknown-type"} ${fingerprintOf(blob)}`;
  const name = knownHostsName(context.host, context.port);
  const destination = formatRemoteHost(context);
  switch (check.status) {
    case "trusted":
      return undefined;
    case "revoked":
      return new TransportError(
        "HOST_KEY_REVOKED",
        `host key of ${destination} (${offered}) is marked @revoked in ${context.knownHostsPath}:${check.entry.line}; refusing to connect: the key is compromised or retired, so fix the server's host key rather than the file`,
      );
    case "mismatch": {
      const known = check.entries
        .map(
          (entry) => `${entry.keyType} ${fingerprintOf(Buffer.from(entry.keyBase64, "base64"))} (line ${entry.line})`,
        )
        .join(", ");
      return new TransportError(
        "HOST_KEY_MISMATCH",
        `HOST KEY MISMATCH for ${destination}: ${context.knownHostsPath} has ${known} but the server offered ${offered}; someone may be intercepting the connection (man-in-the-middle), or the host key was changed (reinstall). Verify the new fingerprint on the Mac (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), then run "ssh-keygen -R '${name}' -f ${context.knownHostsPath}" and ${trustCommand(context)} once to trust it`,
      );
    }
    case "unknown": {
      const certificateNote = check.certificateAuthorityOnly
        ? " (@cert-authority lines are not supported: add the host's own key)"
        : "";
      return new TransportError(
        "HOST_KEY_UNKNOWN",
        `host key of ${destination} (${offered}) is not in ${context.knownHostsPath}${certificateNote}; the connection is refused: run ${trustCommand(context)} once and accept the key after checking its fingerprint, or add it with ${keyscanCommand(context, blob)}`,
      );
    }
  }
}

/** The default known_hosts file, `~/.ssh/known_hosts`. */
export function defaultKnownHostsPath(): string {
  return join(homedir(), ".ssh", "known_hosts");
}

function trustCommand(context: HostKeyContext): string {
  const parts = ["ssh"];
  if (context.port !== 22) parts.push("-p", String(context.port));
  if (context.knownHostsPath !== defaultKnownHostsPath())
    parts.push("-o", `UserKnownHostsFile=${context.knownHostsPath}`);
  parts.push(formatRemoteHost(context));
  return `"${parts.join(" ")}"`;
}

function keyscanCommand(context: HostKeyContext, blob: Buffer): string {
  const parts = ["ssh-keyscan"];
  if (context.port !== 22) parts.push("-p", String(context.port));
  const type = keyTypeOfBlob(blob)
    ?.replace(/^ssh-/, "")
    .replace(/^ecdsa-sha2-nistp\d+$/, "ecdsa");
  if (type !== undefined) parts.push("-t", type);
  parts.push(context.host);
  return `"${parts.join(" ")} >> ${context.knownHostsPath}" (only on a network you trust: it records whatever key answers)`;
}
