import { actionNames, type ResolvedAccount } from "@imessage-channel/config";
import type { ImsgStatus } from "@imessage-channel/rpc-client";
import { versionAtLeast } from "@imessage-channel/rpc-client";
import { imsgMissingFix } from "../imsg-diagnosis.ts";
import type { AccountFacts, DoctorCheck } from "./doctor-checks.ts";

/** The configurable actions that need the private API bridge: all but sending a file, which plain `send` does. */
const actionNeedsBridge = actionNames.filter((name) => name !== "sendAttachment");

function isRemote(account: ResolvedAccount): boolean {
  return account.transport === "ssh";
}

/** imsg runs on another machine than the gateway: native SSH, or (off a Mac) a `cliPath` SSH wrapper. */
function imsgOnAnotherMac(facts: AccountFacts): boolean {
  return isRemote(facts.account) || (facts.platform ?? process.platform) !== "darwin";
}

/** Mac-side steps, said so when the operator is not sitting at the Mac. */
function onTheMac(facts: AccountFacts, step: string): string {
  return imsgOnAnotherMac(facts) ? `on the Mac: ${step}` : step;
}

const sshFixes: Record<string, string> = {
  HOST_KEY_UNKNOWN: "trust the Mac's key with the line above after checking its fingerprint (doctor never adds keys)",
  HOST_KEY_MISMATCH:
    "only if the change is expected (the Mac was reinstalled): compare the fingerprint on the Mac (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), remove the old line with the ssh-keygen -R command above, and trust the new key",
  HOST_KEY_REVOKED: "the key is marked @revoked in known_hosts: the Mac needs a new host key",
  KNOWN_HOSTS_UNREADABLE: "make channels.imessage.ssh.knownHostsFile readable by this user",
  SSH_NO_CREDENTIALS: "load a key into ssh-agent or set channels.imessage.ssh.identityFile",
  SSH_AUTH_FAILED:
    "add this user's public key to ~/.ssh/authorized_keys of the Mac user, or set channels.imessage.ssh.identityFile",
  SSH_CONNECT_FAILED:
    "check remoteHost, channels.imessage.ssh.port, the network, and System Settings → General → Sharing → Remote Login",
};

/** Native SSH only: reachability, the host key, and the login, each failure with the fix for that cause. */
export function checkSsh(facts: AccountFacts): DoctorCheck | undefined {
  const { ssh } = facts;
  if (!ssh) return undefined;
  if (!ssh.error)
    return { id: "ssh", status: "ok", message: `SSH to ${ssh.destination}: host key verified, logged in` };
  return {
    id: "ssh",
    status: "fail",
    message: ssh.error.message,
    fix: sshFixes[ssh.error.code] ?? `check channels.imessage.remoteHost and the ssh settings (${ssh.error.code})`,
  };
}

export function checkImsgFound(facts: AccountFacts): DoctorCheck | undefined {
  const { account, capabilities, launchError } = facts;
  // The SSH check above already says why nothing on the Mac could be asked.
  if (facts.ssh?.error) return undefined;
  if (launchError || !capabilities?.version) {
    const failure = capabilities?.launchFailure;
    const notHere = facts.launchErrorCode === "CLI_NOT_FOUND" || failure?.reason === "not-found";
    // The transport's own line carries a generic fix; the one below fits where the gateway runs.
    const reason = notHere
      ? `imsg not found at "${account.cliPath}"`
      : (launchError ?? capabilities?.problems[0] ?? "no answer to imsg --version");
    // Not found here, or not found by the wrapper's / the Mac's shell: the fix depends on where the gateway runs.
    const missing = notHere || failure?.reason === "command-not-found";
    let fix = `the line above says what to change; or point channels.imessage.cliPath at imsg (now "${account.cliPath}")`;
    if (missing) fix = imsgMissingFix(account, failure, facts.platform);
    else if (isRemote(account))
      fix = `check channels.imessage.remoteHost / ssh settings and that ${account.remoteCliPath} runs on the Mac (brew install steipete/tap/imsg)`;
    else if (imsgOnAnotherMac(facts))
      fix = `the line above says what to change; channels.imessage.cliPath (now "${account.cliPath}") must be an SSH wrapper that runs imsg on the Mac (exec ssh -T user@mac imsg "$@"), or use transport: "ssh" with remoteHost`;
    return { id: "imsg-found", status: "fail", message: `imsg could not be run: ${reason}`, fix };
  }
  return { id: "imsg-found", status: "ok", message: `imsg ${capabilities.version}` };
}

export function checkImsgVersion(facts: AccountFacts): DoctorCheck | undefined {
  const version = facts.capabilities?.version;
  if (!version) return undefined;
  const fix = onTheMac(facts, "upgrade imsg: brew upgrade steipete/tap/imsg (0.9.0 or newer)");
  if (!versionAtLeast(version, "0.7.3"))
    return {
      id: "imsg-version",
      status: "warn",
      message: `imsg ${version} has no typing or read RPC methods (0.7.3+)`,
      fix,
    };
  if (!versionAtLeast(version, "0.8.2"))
    return {
      id: "imsg-version",
      status: "warn",
      message: `imsg ${version} prints startup errors as plain text, not JSON (fixed in 0.8.2)`,
      fix,
    };
  if (!versionAtLeast(version, "0.9.0"))
    return {
      id: "imsg-version",
      status: "warn",
      message: `imsg ${version} lacks the rich actions (tapback, edit, unsend, send.rich: 0.9.0)`,
      fix,
    };
  return { id: "imsg-version", status: "ok", message: `imsg ${version} has every method this channel uses` };
}

/** The release from which imsg folds a link send's preview row into its text row itself (docs/imsg-protocol.md#watch-on-010). */
const foldsUrlPreviewsSince = "0.11.1";

/**
 * `coalesceSameSenderDms` was the reference's cure for Apple's split link sends; imsg 0.11.1+ folds those itself, so
 * the setting then only merges rapid messages and command + attachment pairs (and adds its window to every DM).
 */
export function checkCoalescing(facts: AccountFacts): DoctorCheck | undefined {
  const version = facts.capabilities?.version;
  if (!version || !facts.account.coalesceSameSenderDms || !versionAtLeast(version, foldsUrlPreviewsSince)) {
    return undefined;
  }
  return {
    id: "coalescing",
    status: "info",
    message: `coalesceSameSenderDms is redundant for link previews on imsg ${version}: imsg ${foldsUrlPreviewsSince}+ folds a link and its preview into one message itself; the setting still merges rapid DMs and a command with its attachment (window ${facts.account.inboundDebounceMs} ms)`,
    fix: "keep it for rapid DMs and command + attachment; otherwise set channels.imessage.coalesceSameSenderDms to false so DMs are not held for the window",
  };
}

/** Whether `imsg rpc` exists, as the probe proved it (status `rpc_methods` or `imsg rpc --help`), never from the version. */
export function checkRpc(facts: AccountFacts): DoctorCheck | undefined {
  if (!facts.capabilities?.version) return undefined;
  if (facts.capabilities.rpcSupported) return { id: "rpc", status: "ok", message: "imsg rpc is supported" };
  // The probe's line is "<what it found>; <fix>".
  const line = facts.capabilities.problems[0] ?? "this imsg has no `imsg rpc`";
  const split = line.lastIndexOf("; ");
  return {
    id: "rpc",
    status: "fail",
    message: split === -1 ? line : line.slice(0, split),
    fix: split === -1 ? "upgrade imsg to 0.9.0: brew upgrade steipete/tap/imsg" : line.slice(split + 2),
  };
}

/** The protocol generation the account's connection speaks, and what it can do now (docs/imsg-protocol.md). */
export function checkProtocol(facts: AccountFacts): DoctorCheck | undefined {
  const protocol = facts.protocol;
  if (protocol === undefined) return undefined;
  if (protocol.protocolVersion === 0)
    return {
      id: "protocol",
      status: "ok",
      message:
        "imsg speaks protocol 0 (before 0.14: no initialize; the channel resumes by row id and catches up with history)",
    };
  const said = [`${protocol.methods?.length ?? 0} methods usable now`];
  for (const [feature, level] of Object.entries(protocol.features)) said.push(`${feature} ${level}`);
  if (protocol.database?.ready === false) said.push("the database is not ready");
  const version = protocol.version === undefined ? "imsg" : `imsg ${protocol.version}`;
  return { id: "protocol", status: "ok", message: `${version} speaks protocol 1: ${said.join(", ")}` };
}

export function checkDatabase(facts: AccountFacts): DoctorCheck | undefined {
  if (!facts.capabilities?.rpcSupported) return undefined;
  if (facts.chats)
    return {
      id: "database",
      status: "ok",
      message: `the Messages database is readable (${facts.chats.length} chats)`,
    };
  const error = facts.databaseError ?? "unknown error";
  const permission = /Full Disk Access|Permission Error|authorization denied|unable to open/i.test(error);
  const who = imsgOnAnotherMac(facts)
    ? "sshd-keygen-wrapper / the Mac user's login session that runs imsg over SSH"
    : "the app that runs the gateway (Terminal or iTerm when started by hand, node when run by launchd)";
  return {
    id: "database",
    status: "fail",
    message: permission
      ? "imsg cannot read the Messages database: Full Disk Access is missing"
      : `imsg rpc could not read the database: ${error.split("\n")[0]}`,
    fix: permission
      ? onTheMac(facts, `System Settings → Privacy & Security → Full Disk Access: allow ${who}, then restart it`)
      : "check channels.imessage.dbPath and run `imsg chats --limit 1` on the Mac",
  };
}

export function checkAutomation(facts: AccountFacts): DoctorCheck | undefined {
  if (!facts.chats) return undefined;
  return {
    id: "automation",
    status: "info",
    message: "sends go through Messages.app automation",
    fix: `if the first send fails, ${imsgOnAnotherMac(facts) ? "on the Mac " : ""}run \`imsg send <your handle> "test"\` once in a GUI session and approve the Automation prompt`,
  };
}

export function checkPrivateApi(facts: AccountFacts): DoctorCheck | undefined {
  const capabilities = facts.capabilities;
  if (!capabilities?.rpcSupported) return undefined;
  if (capabilities.privateApi.available) {
    const selectors = Object.entries(capabilities.privateApi.selectors)
      .filter(([, on]) => on)
      .map(([name]) => name);
    return {
      id: "private-api",
      status: "ok",
      message: `private API bridge up (selectors: ${selectors.join(", ") || "none"})`,
    };
  }
  const hidden = actionNeedsBridge.filter((name) => facts.account.actions[name]);
  const { cause, fix } = bridgeDownCause(capabilities.status);
  return {
    id: "private-api",
    status: "warn",
    message: `private API bridge is down (${cause}): read receipts, typing and ${hidden.length > 0 ? hidden.join(", ") : "no configured action"} are unavailable`,
    fix: `${fix}; or turn those actions off under channels.imessage.actions`,
  };
}

/** Why imsg's bridge is down, from `imsg status --json` (`sip` and its `message`), and what fixes that cause. */
export function bridgeDownCause(status: ImsgStatus | undefined): { cause: string; fix: string } {
  const message = status?.message ?? "";
  if (status?.sip === "enabled") {
    return {
      cause: "System Integrity Protection is on",
      fix: "disable SIP in Recovery (csrutil disable), then run `imsg launch` in the logged-in user's session on the Mac",
    };
  }
  if (/dylib not found/i.test(message)) {
    return {
      cause: "the imsg bridge helper dylib is missing",
      fix: "install imsg from Homebrew (brew install steipete/tap/imsg), or run `make build-dylib` for a source build, then `imsg launch`",
    };
  }
  if (status?.sip === "disabled") {
    return {
      cause: "Messages.app is not injected",
      fix: "run `imsg launch` in the logged-in user's session on the Mac (again after every reboot or Messages update)",
    };
  }
  return {
    cause: "imsg did not say why",
    fix: "check `imsg status --json` on the Mac: SIP must be off (csrutil disable) and `imsg launch` must have run",
  };
}
