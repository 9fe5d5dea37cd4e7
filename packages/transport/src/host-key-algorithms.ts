import type { ServerHostKeyAlgorithm } from "ssh2";
import { type KnownHostsEntry, knownKeyTypes } from "./known-hosts.ts";

const defaultHostKeyAlgorithms: readonly ServerHostKeyAlgorithm[] = [
  "ssh-ed25519",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-512",
  "rsa-sha2-256",
  "ssh-rsa",
];

/**
 * The host key algorithms to offer, key types known_hosts already has for the host first (as OpenSSH orders
 * them), so a host with several keys is asked for the one we can verify.
 */
export function serverHostKeyAlgorithms(
  entries: readonly KnownHostsEntry[],
  host: string,
  port: number,
): ServerHostKeyAlgorithm[] {
  const known = knownKeyTypes(entries, host, port);
  const isKnown = (algorithm: string) => known.includes(algorithm.startsWith("rsa-sha2") ? "ssh-rsa" : algorithm);
  return [
    ...defaultHostKeyAlgorithms.filter(isKnown),
    ...defaultHostKeyAlgorithms.filter((algorithm) => !isKnown(algorithm)),
  ];
}
