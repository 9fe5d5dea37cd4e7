import type { ResolvedAccount, ResolvedRouting } from "@imessage-channel/config";
import type { ImsgCapabilities, NegotiatedProtocol } from "@imessage-channel/rpc-client";
import type { OutboundPartState } from "@imessage-channel/state";
import {
  checkDmScope,
  checkGroupSenders,
  checkGroupsRegistry,
  checkMentionPatterns,
  checkRemoteHostDetection,
  checkSameDatabase,
  checkSftp,
  checkSmsTrust,
} from "./config-checks.ts";
import {
  checkAutomation,
  checkCoalescing,
  checkDatabase,
  checkImsgFound,
  checkImsgVersion,
  checkPrivateApi,
  checkProtocol,
  checkRpc,
  checkSsh,
} from "./imsg-checks.ts";
import { checkOutbox } from "./state-checks.ts";

export { bridgeDownCause, checkCoalescing } from "./imsg-checks.ts";
export { checkGroupsRegistry, checkOutbox };

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
  /** Where the gateway runs (default: this machine): off a Mac, imsg is reached over SSH and the fixes say so. */
  platform?: NodeJS.Platform;
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
  /** What the doctor's own connection negotiated with `initialize` (protocol 0 before imsg 0.14). */
  protocol?: NegotiatedProtocol;
  /** Another account that reads the same database. */
  sameDatabaseAs: string | undefined;
  /** Senders approved through pairing for this account (state.db), normalized handles. */
  approvedSenders?: readonly string[];
  /** Remote attachment fetching (includeAttachments with a remote Mac): the SFTP session and each root's fixed prefix. */
  sftp?: { remoteHost: string; error?: string; roots: Array<{ pattern: string; prefix: string; exists: boolean }> };
  /** includeAttachments without remoteHost, and a `cliPath` wrapper that runs ssh to a host it cannot name for sure. */
  remoteHostUndetected?: { cliPath: string; reason: string };
  /** The account's outbound parts per state (state.db), undefined when there is no state.db yet. */
  outbox?: Record<OutboundPartState, number>;
}

/** Every check of one account, in the order an operator fixes things. */
export function accountChecks(facts: AccountFacts): DoctorCheck[] {
  return [
    checkSsh(facts),
    checkImsgFound(facts),
    checkImsgVersion(facts),
    checkRpc(facts),
    checkProtocol(facts),
    checkDatabase(facts),
    checkAutomation(facts),
    checkPrivateApi(facts),
    checkCoalescing(facts),
    checkSameDatabase(facts),
    checkMentionPatterns(facts),
    checkGroupsRegistry(facts),
    checkGroupSenders(facts),
    checkDmScope(facts),
    checkSmsTrust(facts),
    checkRemoteHostDetection(facts),
    ...checkSftp(facts),
    checkOutbox(facts),
  ].filter((check): check is DoctorCheck => check !== undefined);
}
