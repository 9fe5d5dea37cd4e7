import { isIP, isIPv6 } from "node:net";
import { TransportError } from "./transport-error.ts";

/** A validated SSH destination: who to log in as (when given) and where. */
export interface RemoteHost {
  /** Login name from `user@host`, or undefined (the caller picks a default). */
  user: string | undefined;
  /** Host name or IP address, without IPv6 brackets. */
  host: string;
}

// Conservative on purpose: these values reach ssh/scp command lines in wrapper setups, so anything
// that could read as an option or a shell word is refused rather than escaped.
const userPattern = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/;
const hostNamePattern = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

/**
 * Accepts only `host`, `user@host`, `[v6]`, `user@[v6]` (a bare IPv6 address too). No port: it goes in its own setting.
 * Throws `REMOTE_HOST_INVALID` with what is wrong and how to write it.
 */
export function validateRemoteHost(value: string, setting = "channels.imessage.remoteHost"): RemoteHost {
  const problem = remoteHostProblem(value);
  if (problem !== undefined) {
    throw new TransportError(
      "REMOTE_HOST_INVALID",
      `${setting}: ${JSON.stringify(value)} ${problem}; write host or user@host (IPv6 as [addr]) and set the port in channels.imessage.ssh.port`,
    );
  }
  return parseChecked(value);
}

/** True when validateRemoteHost would accept `value`. */
export function isValidRemoteHost(value: string): boolean {
  return remoteHostProblem(value) === undefined;
}

/** Formats a destination for messages and for `ssh` command lines the user is told to run. */
export function formatRemoteHost(remote: RemoteHost): string {
  const host = isIPv6(remote.host) ? `[${remote.host}]` : remote.host;
  return remote.user === undefined ? host : `${remote.user}@${host}`;
}

function remoteHostProblem(value: string): string | undefined {
  if (typeof value !== "string" || value.length === 0) return "is empty";
  if (/\s/.test(value)) return "contains whitespace";
  if (value.startsWith("-")) return "starts with '-' (it would be read as an ssh option)";
  if (/[^A-Za-z0-9._@:[\]%-]/.test(value)) return "contains characters that are not allowed in a host name";
  const at = value.lastIndexOf("@");
  if (at !== -1) {
    const user = value.slice(0, at);
    if (!userPattern.test(user)) return `has an invalid user name ${JSON.stringify(user)}`;
  }
  const host = value.slice(at + 1);
  if (host.length === 0) return "has no host after '@'";
  if (host.startsWith("[")) {
    if (!host.endsWith("]")) return "has a '[' without a closing ']'";
    return isIPv6(host.slice(1, -1)) ? undefined : "has brackets around something that is not an IPv6 address";
  }
  if (isIPv6(host)) return undefined;
  if (host.includes(":")) return "contains ':' (a port or scp path is not part of the host)";
  if (isIP(host) === 4) return undefined;
  if (!hostNamePattern.test(host) || host.length > 253) return "is not a valid host name";
  return undefined;
}

function parseChecked(value: string): RemoteHost {
  const at = value.lastIndexOf("@");
  const user = at === -1 ? undefined : value.slice(0, at);
  const host = value.slice(at + 1);
  return { user, host: host.startsWith("[") ? host.slice(1, -1) : host };
}
