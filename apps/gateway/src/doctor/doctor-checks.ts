import { everyGroupMessageDropped, type ResolvedAccount, type ResolvedRouting } from "@imessage-channel/config";
import { parseAllowlistEntry } from "@imessage-channel/policy";
import type { ImsgCapabilities, ImsgStatus } from "@imessage-channel/rpc-client";
import { versionAtLeast } from "@imessage-channel/rpc-client";
import { imsgMissingFix } from "../imsg-diagnosis.ts";

export type CheckStatus = "ok" | "info" | "warn" | "fail";

export interface DoctorCheck {
  id: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

/** What the doctor found out about one account; the checks below are pure functions of it. */
export interface AccountFacts {
  account: ResolvedAccount;
  routing: ResolvedRouting;
  /** The capability probe; undefined when imsg could not be run at all. */
  capabilities: ImsgCapabilities | undefined;
  /** Why imsg could not be run (the transport's one-line error, e.g. a refused host key). */
  launchError: string | undefined;
  /** The transport's code for it (`CLI_NOT_FOUND`, `HOST_KEY_UNKNOWN`…), when it had one. */
  launchErrorCode?: string;
  /** Native SSH (`transport: "ssh"`): where to, and the transport's error code and line when the login failed. */
  ssh?: { destination: string; error?: { code: string; message: string } };
  /** The chats of `chats.list` (id, guid, identifier), when the database could be read. */
  chats: Array<{ id: number; guid: string; identifier: string }> | undefined;
  /** Why `chats.list` failed. */
  databaseError: string | undefined;
  /** Another account that reads the same database. */
  sameDatabaseAs: string | undefined;
  /** Senders approved through pairing for this account (state.db), normalized handles. */
  approvedSenders?: readonly string[];
  /** Remote attachment fetching (includeAttachments with a remote Mac): the SFTP session and each root's fixed prefix. */
  sftp?: { remoteHost: string; error?: string; roots: Array<{ pattern: string; prefix: string; exists: boolean }> };
  /** includeAttachments without remoteHost, and a `cliPath` wrapper that runs ssh to a host it cannot name for sure. */
  remoteHostUndetected?: { cliPath: string; reason: string };
}

const actionNeedsBridge = [
  "reactions",
  "edit",
  "unsend",
  "reply",
  "sendWithEffect",
  "renameGroup",
  "setGroupIcon",
  "addParticipant",
  "removeParticipant",
  "leaveGroup",
] as const;

function isRemote(account: ResolvedAccount): boolean {
  return account.transport === "ssh";
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
    if (missing) fix = imsgMissingFix(account, failure);
    else if (isRemote(account))
      fix = `check channels.imessage.remoteHost / ssh settings and that ${account.remoteCliPath} runs on the Mac (brew install steipete/tap/imsg)`;
    return { id: "imsg-found", status: "fail", message: `imsg could not be run: ${reason}`, fix };
  }
  return { id: "imsg-found", status: "ok", message: `imsg ${capabilities.version}` };
}

export function checkImsgVersion(facts: AccountFacts): DoctorCheck | undefined {
  const version = facts.capabilities?.version;
  if (!version) return undefined;
  const fix = "upgrade imsg: brew upgrade steipete/tap/imsg (0.9.0 or newer)";
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
  const who = isRemote(facts.account)
    ? "sshd-keygen-wrapper / the Mac user's login session that runs imsg over SSH"
    : "the app that runs the gateway (Terminal or iTerm when started by hand, node when run by launchd)";
  return {
    id: "database",
    status: "fail",
    message: permission
      ? "imsg cannot read the Messages database: Full Disk Access is missing"
      : `imsg rpc could not read the database: ${error.split("\n")[0]}`,
    fix: permission
      ? `System Settings → Privacy & Security → Full Disk Access: allow ${who}, then restart it`
      : "check channels.imessage.dbPath and run `imsg chats --limit 1` on the Mac",
  };
}

export function checkAutomation(facts: AccountFacts): DoctorCheck | undefined {
  if (!facts.chats) return undefined;
  return {
    id: "automation",
    status: "info",
    message: "sends go through Messages.app automation",
    fix: 'if the first send fails, run `imsg send <your handle> "test"` once in a GUI session and approve the Automation prompt',
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

export function checkSameDatabase(facts: AccountFacts): DoctorCheck | undefined {
  if (!facts.sameDatabaseAs) return undefined;
  return {
    id: "same-database",
    status: "fail",
    message: `account ${facts.account.accountId} reads the same database as account ${facts.sameDatabaseAs}: both would answer every message`,
    fix: `point one of them at another Mac or dbPath, or disable it (accounts.${facts.account.accountId}.enabled: false)`,
  };
}

export function checkMentionPatterns(facts: AccountFacts): DoctorCheck | undefined {
  const { account, routing } = facts;
  if (account.groupPolicy === "disabled" || Object.keys(account.groups).length === 0) return undefined;
  const requires = Object.values(account.groups).some((group) => group.requireMention !== false);
  const patterns =
    routing.mentionPatterns.length +
    routing.agents.reduce((sum, agent) => sum + (agent.groupChat?.mentionPatterns?.length ?? 0), 0);
  if (!requires || patterns > 0) return undefined;
  return {
    id: "mention-patterns",
    status: "warn",
    message:
      "groups require a mention but no mention patterns are configured: mention gating cannot be enforced, every group message is dispatched",
    fix: 'set messages.groupChat.mentionPatterns (e.g. ["\\\\bbot\\\\b"]) or agents.list[].groupChat.mentionPatterns',
  };
}

/** Whether a `groups` key (`N`, `chat_id:N`, `chat_guid:G`, `chat_identifier:I`) names one of `chats`. */
function groupKeyMatches(key: string, chats: NonNullable<AccountFacts["chats"]>): boolean {
  const [, form, value] = /^(?:(chat_id|chat_guid|chat_identifier):)?(.+)$/.exec(key) ?? [];
  if (form === "chat_guid") return chats.some((chat) => chat.guid === value);
  if (form === "chat_identifier") return chats.some((chat) => chat.identifier === value);
  return chats.some((chat) => String(chat.id) === value);
}

export function checkGroupsRegistry(facts: AccountFacts): DoctorCheck | undefined {
  const { chats } = facts;
  const keys = Object.keys(facts.account.groups).filter((key) => key !== "*");
  if (keys.length === 0 || !chats) return undefined;
  const dead = keys.filter((key) => !groupKeyMatches(key, chats));
  if (dead.length === 0) return undefined;
  const every = dead.length === keys.length && !("*" in facts.account.groups);
  return {
    id: "groups-registry",
    status: "warn",
    message: `channels.imessage.groups ${dead.length === 1 ? "key" : "keys"} ${dead.join(", ")} match${dead.length === 1 ? "es" : ""} no chat on this Mac${every ? ": every group message would be dropped" : " (a typo, or a chat of another Mac?)"}`,
    fix: 'use the chat ids `imessage-channel chats` prints (chat_id:N, or chat_guid:/chat_identifier: as shown there), or add "*"',
  };
}

export function checkGroupSenders(facts: AccountFacts): DoctorCheck | undefined {
  const dropped = everyGroupMessageDropped(facts.account);
  if (!dropped) return undefined;
  const [problem, fix] = dropped.split("; ");
  return { id: "group-senders", status: "warn", message: problem ?? dropped, fix };
}

/** Under `dmScope: "main"` every DM sender shares one agent session: each can be told what another said. */
export function checkDmScope(facts: AccountFacts): DoctorCheck | undefined {
  const { account, routing } = facts;
  if (routing.dmScope !== "main" || account.dmPolicy === "disabled") return undefined;
  const entries = account.allowFrom.map((entry) => parseAllowlistEntry(entry, account.phoneRegion));
  const anyone = account.dmPolicy === "open" || entries.some((entry) => entry?.kind === "any");
  const senders = new Set([
    ...entries.flatMap((entry) => (entry?.kind === "handle" ? [entry.handle] : [])),
    ...(facts.approvedSenders ?? []),
  ]);
  if (!anyone && senders.size <= 1) return undefined;
  return {
    id: "dm-scope",
    status: "warn",
    message: `session.dmScope is "main": ${anyone ? "every DM sender" : `${senders.size} approved DM senders`} share one agent session, so one can be told what another said`,
    fix: 'set session.dmScope: "per-sender" to give each DM sender a session of their own',
  };
}

export function checkSmsTrust(facts: AccountFacts): DoctorCheck | undefined {
  if (!facts.account.allowSmsSenders) return undefined;
  return {
    id: "sms-trust",
    status: "warn",
    message:
      "allowSmsSenders is on: SMS sender ids can be spoofed, so a forged SMS from an allowlisted number reaches the agent",
    fix: "set channels.imessage.allowSmsSenders: false unless you need SMS",
  };
}

export function checkRemoteHostDetection(facts: AccountFacts): DoctorCheck | undefined {
  const undetected = facts.remoteHostUndetected;
  if (!undetected) return undefined;
  return {
    id: "remote-host",
    status: "fail",
    message: `remoteHost cannot be auto-detected from the SSH wrapper ${undetected.cliPath}: ${undetected.reason}; attachments are unavailable (messages still reach the agent without them)`,
    fix: "set channels.imessage.remoteHost explicitly (host or user@host of the Mac the wrapper reaches)",
  };
}

export function checkSftp(facts: AccountFacts): DoctorCheck[] {
  const sftp = facts.sftp;
  if (!sftp) return [];
  if (sftp.error) {
    return [
      {
        id: "sftp",
        status: "fail",
        message: `attachments cannot be fetched from ${sftp.remoteHost} over SFTP: ${sftp.error}`,
        fix: "enable the SFTP subsystem on the Mac (System Settings → Sharing → Remote Login) and check the SSH key and known_hosts",
      },
    ];
  }
  const checks: DoctorCheck[] = [{ id: "sftp", status: "ok", message: `SFTP to ${sftp.remoteHost} works` }];
  for (const root of sftp.roots) {
    checks.push(
      root.exists
        ? { id: "remote-attachment-root", status: "ok", message: `remote attachment root ${root.pattern} is readable` }
        : {
            id: "remote-attachment-root",
            status: "warn",
            message: `remote attachment root ${root.pattern}: ${root.prefix} does not exist or is not readable on the Mac`,
            fix: "fix channels.imessage.remoteAttachmentRoots (the Mac-side Messages Attachments folder)",
          },
    );
  }
  return checks;
}

/** Every check of one account, in the order an operator fixes things. */
export function accountChecks(facts: AccountFacts): DoctorCheck[] {
  return [
    checkSsh(facts),
    checkImsgFound(facts),
    checkImsgVersion(facts),
    checkRpc(facts),
    checkDatabase(facts),
    checkAutomation(facts),
    checkPrivateApi(facts),
    checkSameDatabase(facts),
    checkMentionPatterns(facts),
    checkGroupsRegistry(facts),
    checkGroupSenders(facts),
    checkDmScope(facts),
    checkSmsTrust(facts),
    checkRemoteHostDetection(facts),
    ...checkSftp(facts),
  ].filter((check): check is DoctorCheck => check !== undefined);
}
