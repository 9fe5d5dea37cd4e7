import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { errorMessage, expandHome } from "@imessage-channel/kit";
import type { AnyAuthMethod } from "ssh2";
import { loadSsh2 } from "./load-ssh2.ts";
import { TransportError } from "./transport-error.ts";

/** The key files OpenSSH tries by default, in its order. */
export function defaultIdentityFiles(home: string = homedir()): string[] {
  return ["id_ed25519", "id_ecdsa", "id_rsa"].map((name) => join(home, ".ssh", name));
}

export interface CredentialOptions {
  username: string;
  destination: string;
  /** ssh-agent socket; undefined when there is no agent. */
  agentSocket: string | undefined;
  /** A configured key file: it must be readable and unencrypted (passphrase keys belong in ssh-agent). */
  identityFile: string | undefined;
  /** Home for `~` in `identityFile` and the default key files (default: this user's). */
  home?: string;
}

export interface Credentials {
  methods: AnyAuthMethod[];
  /** For messages: what will be tried, never key material. */
  tried: string[];
  /** Default key files that exist but were skipped (encrypted or unparsable). */
  skipped: string[];
}

/** Agent first, then the configured key or the default key files that exist, as OpenSSH orders them. */
export async function loadCredentials(options: CredentialOptions): Promise<Credentials> {
  const methods: AnyAuthMethod[] = [];
  const tried: string[] = [];
  const skipped: string[] = [];
  if (options.agentSocket !== undefined && options.agentSocket !== "") {
    methods.push({ type: "agent", username: options.username, agent: options.agentSocket });
    tried.push(`ssh-agent (${options.agentSocket})`);
  }
  if (options.identityFile !== undefined) {
    const path = expandHome(options.identityFile, options.home);
    const key = (await readKey(path)) ?? new Error("no such file");
    if (key instanceof Error) {
      throw new TransportError(
        "SSH_NO_CREDENTIALS",
        `channels.imessage.ssh.identityFile: cannot use "${path}" for ${options.destination}: ${key.message}; use an unencrypted key, or load it into ssh-agent and leave identityFile unset`,
        { cause: key },
      );
    }
    methods.push({ type: "publickey", username: options.username, key });
    tried.push(path);
  } else {
    for (const path of defaultIdentityFiles(options.home)) {
      const key = await readKey(path);
      if (key === undefined) continue;
      if (key instanceof Error) {
        skipped.push(`${path} (${key.message})`);
        continue;
      }
      methods.push({ type: "publickey", username: options.username, key });
      tried.push(path);
    }
  }
  if (methods.length === 0) {
    const skippedNote = skipped.length > 0 ? `; skipped ${skipped.join(", ")}` : "";
    throw new TransportError(
      "SSH_NO_CREDENTIALS",
      `no SSH credentials for ${options.destination}: SSH_AUTH_SOCK is not set and none of ${defaultIdentityFiles(options.home).join(", ")} is usable${skippedNote}; start ssh-agent with the key loaded or set channels.imessage.ssh.identityFile`,
    );
  }
  return { methods, tried, skipped };
}

/** The key bytes, an Error saying why they are unusable, or undefined when the file does not exist. */
async function readKey(path: string): Promise<Buffer | Error | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    return new Error(`unreadable (${code ?? errorMessage(error)})`);
  }
  const parsed = (await loadSsh2()).utils.parseKey(bytes);
  if (parsed instanceof Error)
    return new Error(parsed.message.includes("passphrase") ? "it is passphrase-protected" : parsed.message);
  if (Array.isArray(parsed) ? parsed.length === 0 : false) return new Error("no key found in the file");
  return bytes;
}
