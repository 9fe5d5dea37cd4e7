import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** One key line of a known_hosts file (see sshd(8), "SSH_KNOWN_HOSTS FILE FORMAT"). */
export interface KnownHostsEntry {
  /** `@revoked` or `@cert-authority` lines; undefined for ordinary host keys. */
  marker: "revoked" | "cert-authority" | undefined;
  /** The host field as written: a comma list of patterns, or one `|1|salt|hash` hashed name. */
  hosts: string;
  keyType: string;
  /** The key blob as written (base64). */
  keyBase64: string;
  /** 1-based line number, for messages that point at the line. */
  line: number;
}

/** Parses known_hosts text; comments, blank and malformed lines are skipped, like OpenSSH does. */
export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  const lines = text.split("\n");
  for (const [index, raw] of lines.entries()) {
    const fields = raw.trim().split(/[ \t]+/);
    if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) continue;
    let marker: KnownHostsEntry["marker"];
    if (fields[0].startsWith("@")) {
      const name = fields.shift();
      if (name === "@revoked") marker = "revoked";
      else if (name === "@cert-authority") marker = "cert-authority";
      else continue;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) continue;
    if (!/^[A-Za-z0-9+/]+=*$/.test(keyBase64)) continue;
    entries.push({ marker, hosts, keyType, keyBase64, line: index + 1 });
  }
  return entries;
}

/** The name OpenSSH records for a host: `host` on port 22, `[host]:port` otherwise; lowercased. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** True when the entry's host field names `name` (from knownHostsName): hashed, plain, wildcard or negated patterns. */
export function entryMatchesHost(entry: KnownHostsEntry, name: string): boolean {
  if (entry.hosts.startsWith("|")) return hashedNameMatches(entry.hosts, name);
  let matched = false;
  for (const pattern of entry.hosts.split(",")) {
    if (pattern.startsWith("!")) {
      // A negated match excludes the host from this line, whatever else matches.
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else if (wildcardMatches(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

function hashedNameMatches(hashed: string, name: string): boolean {
  const [, magic, salt, hash] = hashed.split("|");
  if (magic !== "1" || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function wildcardMatches(pattern: string, name: string): boolean {
  if (!pattern.includes("*") && !pattern.includes("?")) return pattern.toLowerCase() === name;
  const source = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replaceAll("*", ".*")
    .replaceAll("?", ".");
  return new RegExp(`^${source}$`).test(name);
}

/** `|1|salt|hash` for `name`, as `ssh-keygen -H` writes it (salt injectable for tests). */
export function hashKnownHostsName(name: string, salt: Buffer): string {
  const hash = createHmac("sha1", salt).update(name).digest();
  return `|1|${salt.toString("base64")}|${hash.toString("base64")}`;
}

/** The key type inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOfBlob(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const length = blob.readUInt32BE(0);
  if (length === 0 || length > 64 || 4 + length > blob.length) return undefined;
  return blob.toString("latin1", 4, 4 + length);
}

/** OpenSSH's fingerprint: `SHA256:` + unpadded base64 of the blob's SHA-256. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** What known_hosts says about a host key. Pure: the caller turns a refusal into an error. */
export type HostKeyCheck =
  | { status: "trusted"; entry: KnownHostsEntry }
  | { status: "revoked"; entry: KnownHostsEntry }
  | { status: "mismatch"; entries: KnownHostsEntry[] }
  | { status: "unknown"; certificateAuthorityOnly: boolean };

/**
 * Checks the server's key blob against parsed entries. A key listed under `@revoked` is refused for every
 * host. `@cert-authority` lines never trust a key: ssh2 does not verify host certificates.
 * Other entries for the host with a different key (of any type) make a mismatch: fail closed.
 */
export function checkHostKey(
  entries: readonly KnownHostsEntry[],
  host: string,
  port: number,
  blob: Buffer,
): HostKeyCheck {
  const keyBase64 = blob.toString("base64");
  const keyType = keyTypeOfBlob(blob);
  const sameKey = (entry: KnownHostsEntry) => entry.keyType === keyType && sameBase64(entry.keyBase64, keyBase64);
  const revoked = entries.find((entry) => entry.marker === "revoked" && sameKey(entry));
  if (revoked !== undefined) return { status: "revoked", entry: revoked };

  const name = knownHostsName(host, port);
  const forHost = entries.filter((entry) => entry.marker !== "revoked" && entryMatchesHost(entry, name));
  const hostKeys = forHost.filter((entry) => entry.marker === undefined);
  const trusted = hostKeys.find(sameKey);
  if (trusted !== undefined) return { status: "trusted", entry: trusted };
  if (hostKeys.length > 0) return { status: "mismatch", entries: hostKeys };
  return { status: "unknown", certificateAuthorityOnly: forHost.length > 0 };
}

/** Key types known for the host, to ask the server for one of those first (as OpenSSH orders its algorithms). */
export function knownKeyTypes(entries: readonly KnownHostsEntry[], host: string, port: number): string[] {
  const name = knownHostsName(host, port);
  const types = entries
    .filter((entry) => entry.marker === undefined && entryMatchesHost(entry, name))
    .map((entry) => entry.keyType);
  return [...new Set(types)];
}

function sameBase64(left: string, right: string): boolean {
  return Buffer.from(left, "base64").equals(Buffer.from(right, "base64"));
}
