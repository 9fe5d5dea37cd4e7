import { existsSync } from "node:fs";
import { chmod, mkdir, stat } from "node:fs/promises";
import { createSftpSource } from "@imessage-channel/attachments";
import { createImsgTransport, oneShotOptions, rpcArgs } from "@imessage-channel/channel";
import {
  ConfigError,
  databaseIdentityOf,
  databaseKey,
  declaredAccountIds,
  loadConfigOrThrow,
  type ResolvedAccount,
  resolveAccount,
  resolveRouting,
} from "@imessage-channel/config";
import { errorMessage } from "@imessage-channel/kit";
import { ImsgClient, probeCapabilities } from "@imessage-channel/rpc-client";
import {
  type Approval,
  type OutboundPartState,
  openStateStore,
  resolveStateDir,
  stateDatabasePath,
} from "@imessage-channel/state";
import { inspectSshWrapperFile, runOnce, type SshWrapperInspection, TransportError } from "@imessage-channel/transport";
import { CliError, type CliIo } from "../cli-io.ts";
import { agentChecks } from "./agent-checks.ts";
import { gatherAgentFacts } from "./agent-probe.ts";
import { type AccountFacts, accountChecks, type DoctorCheck } from "./doctor-checks.ts";
import { formatReport, type ReportSection, shouldColour, summarize, summaryLine } from "./doctor-report.ts";

export interface DoctorOptions {
  config?: string;
  account?: string;
  json?: boolean;
  fix?: boolean;
}

/** Transport failures that are about the SSH session itself, not imsg on the Mac. */
const sshErrorCodes = new Set([
  "HOST_KEY_UNKNOWN",
  "HOST_KEY_MISMATCH",
  "HOST_KEY_REVOKED",
  "KNOWN_HOSTS_UNREADABLE",
  "SSH_NO_CREDENTIALS",
  "SSH_AUTH_FAILED",
  "SSH_CONNECT_FAILED",
]);

/** Runs imsg for the account the way the gateway would and records what worked. */
async function gatherFacts(
  account: ResolvedAccount,
  base: Omit<AccountFacts, "account" | "capabilities" | "launchError" | "chats" | "databaseError">,
): Promise<AccountFacts> {
  const facts: AccountFacts = {
    ...base,
    account,
    platform: process.platform,
    capabilities: undefined,
    launchError: undefined,
    chats: undefined,
    databaseError: undefined,
  };
  if (account.transport === "ssh" && account.remoteHost) {
    facts.ssh = { destination: `${account.remoteHost}${account.ssh.port === 22 ? "" : `:${account.ssh.port}`}` };
  }
  const wrapper = await attachmentWrapper(account);
  if (wrapper?.kind === "ambiguous") facts.remoteHostUndetected = { cliPath: account.cliPath, reason: wrapper.reason };
  try {
    // A host key or login problem surfaces here, with the transport's own "what to run" message.
    await runOnce(oneShotOptions(account, ["--version"]));
    facts.capabilities = await probeCapabilities((args) => runOnce(oneShotOptions(account, args)));
  } catch (error) {
    facts.launchError = errorMessage(error);
    if (TransportError.isInstance(error)) facts.launchErrorCode = error.code;
    if (facts.ssh && TransportError.isInstance(error) && sshErrorCodes.has(error.code)) {
      facts.ssh.error = { code: error.code, message: error.message };
    }
    return facts;
  }
  if (!facts.capabilities.rpcSupported) return facts;
  const client = new ImsgClient({ transport: createImsgTransport(account, rpcArgs(account)) });
  try {
    await client.start();
    facts.protocol = await client.initialize();
    facts.chats = (await client.chatsList({ limit: 500 })).map(({ id, guid, identifier }) => ({
      id,
      guid,
      identifier,
    }));
  } catch (error) {
    facts.databaseError = errorMessage(error);
  } finally {
    await client.close().catch(() => {});
  }
  facts.sftp = await probeSftp(account, wrapper);
  return facts;
}

/** The part of a root glob before its first wildcard: the folder that must exist on the Mac. */
function fixedPrefix(pattern: string, home: string): string {
  const expanded = pattern.startsWith("~/") ? `${home}/${pattern.slice(2)}` : pattern;
  const segments = expanded.split("/");
  const firstGlob = segments.findIndex((segment) => /[*?[\]{}]/.test(segment));
  return (firstGlob === -1 ? segments : segments.slice(0, firstGlob)).join("/") || "/";
}

/** With attachments on and no remoteHost, the gateway reads the Mac's host from an SSH wrapper `cliPath`: this. */
async function attachmentWrapper(account: ResolvedAccount): Promise<SshWrapperInspection | undefined> {
  if (!account.includeAttachments || account.remoteHost || account.transport !== "local") return undefined;
  return inspectSshWrapperFile(account.cliPath);
}

/** With attachments on and a remote Mac (remoteHost, or read from an SSH wrapper), checks SFTP and each root. */
async function probeSftp(
  account: ResolvedAccount,
  wrapper: SshWrapperInspection | undefined,
): Promise<AccountFacts["sftp"]> {
  if (!account.includeAttachments) return undefined;
  let remoteHost = account.remoteHost ?? undefined;
  let port = account.ssh.port;
  let identityFile = account.ssh.identityFile ?? undefined;
  if (!remoteHost && wrapper?.kind === "target") {
    remoteHost = wrapper.target.remoteHost;
    port = wrapper.target.port ?? port;
    identityFile = wrapper.target.identityFile ?? identityFile;
  }
  if (!remoteHost) return undefined;
  const source = createSftpSource({
    remoteHost,
    port,
    identityFile,
    knownHostsFile: account.ssh.knownHostsFile,
    connectTimeoutMs: 10_000,
  });
  try {
    const home = await source.home();
    const roots = [];
    for (const pattern of account.remoteAttachmentRoots) {
      const prefix = fixedPrefix(pattern, home);
      const exists = await source.stat(prefix).then(
        () => true,
        () => false,
      );
      roots.push({ pattern, prefix, exists });
    }
    return { remoteHost, roots };
  } catch (error) {
    return { remoteHost, error: errorMessage(error), roots: [] };
  } finally {
    await source.close?.();
  }
}

/** What state.db says, when the gateway has one yet (doctor never creates one): approvals and each account's parts. */
function readState(
  stateDir: string,
  accountIds: readonly string[],
): { approvals: Approval[]; outbox: Map<string, Record<OutboundPartState, number>> } {
  if (!existsSync(stateDatabasePath(stateDir))) return { approvals: [], outbox: new Map() };
  const state = openStateStore({ stateDir });
  try {
    return {
      approvals: state.pairing.listApproved(),
      outbox: new Map(accountIds.map((accountId) => [accountId, state.parts.counts(accountId)])),
    };
  } finally {
    state.close();
  }
}

/** The state dir must exist and be private (0700): it holds pairing approvals and conversation history. */
async function stateDirCheck(stateDir: string, fix: boolean): Promise<{ check: DoctorCheck; changed?: string }> {
  const mode = await stat(stateDir).then(
    (info) => info.mode & 0o777,
    () => undefined,
  );
  if (mode === 0o700) return { check: { id: "state-dir", status: "ok", message: `state dir ${stateDir} (0700)` } };
  if (fix) {
    await mkdir(stateDir, { recursive: true, mode: 0o700 });
    await chmod(stateDir, 0o700);
    return {
      check: { id: "state-dir", status: "ok", message: `state dir ${stateDir} (0700)` },
      changed:
        mode === undefined
          ? `created ${stateDir} with mode 0700`
          : `set ${stateDir} to mode 0700 (was 0${mode.toString(8)})`,
    };
  }
  return {
    check: {
      id: "state-dir",
      status: "warn",
      message:
        mode === undefined
          ? `state dir ${stateDir} does not exist yet`
          : `state dir ${stateDir} is mode 0${mode.toString(8)}, not 0700`,
      fix: "imessage-channel doctor --fix",
    },
  };
}

/** `imessage-channel doctor [--json] [--fix]`: every enabled account, each problem with its one-line fix. */
export async function doctorCommand(io: CliIo, options: DoctorOptions): Promise<void> {
  let config: Awaited<ReturnType<typeof loadConfigOrThrow>>["config"];
  try {
    ({ config } = await loadConfigOrThrow({ path: options.config, env: io.env, cwd: io.cwd }));
  } catch (error) {
    if (ConfigError.isInstance(error)) throw new CliError(error.problems.join("\n"), 2);
    throw error;
  }
  const routing = resolveRouting(config);
  const ids = options.account ? [options.account] : declaredAccountIds(config);
  const accounts = ids.map((id) => resolveAccount(config, id)).filter((account) => account.enabled);
  const seen = new Map<string, string>();
  const { approvals, outbox } = readState(
    resolveStateDir(io.env),
    accounts.map((account) => account.accountId),
  );
  const results: Array<{ accountId: string; checks: DoctorCheck[] }> = [];
  for (const account of accounts) {
    const identity = databaseKey(databaseIdentityOf(account));
    const sameDatabaseAs = seen.get(identity);
    if (!sameDatabaseAs) seen.set(identity, account.accountId);
    const approvedSenders = approvals.filter((approval) => approval.accountId === account.accountId);
    const facts = await gatherFacts(account, {
      routing,
      sameDatabaseAs,
      approvedSenders: approvedSenders.map((approval) => approval.sender),
      outbox: outbox.get(account.accountId),
    });
    results.push({ accountId: account.accountId, checks: accountChecks(facts) });
  }
  // Agents are checked once, not per account: every account routes to the same agents.list.
  const agents = (await gatherAgentFacts(routing, { env: io.env, cwd: io.cwd })).map((facts) => ({
    agentId: facts.agentId,
    type: facts.type,
    checks: agentChecks(facts),
  }));
  const stateDir = resolveStateDir(io.env);
  const state = await stateDirCheck(stateDir, options.fix === true);
  const changed = state.changed ? [state.changed] : [];
  const every = [...results, ...agents].flatMap((result) => result.checks);
  const summary = summarize([...every, state.check]);

  if (options.json) {
    const report = { accounts: results, agents, stateDir: state.check, changed, summary };
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    const sections: ReportSection[] = [
      ...results.map((result) => ({ title: `account ${result.accountId}`, checks: result.checks })),
      ...agents.map((agent) => ({ title: `agent ${agent.agentId} (${agent.type})`, checks: agent.checks })),
    ];
    io.stdout.write(formatReport(sections, [state.check], { colour: shouldColour(io.stdout, io.env), changed }));
  }
  if (summary.failures > 0) throw new CliError(`${summaryLine(summary)} (see above)`, 1);
}
