import { join } from "node:path";
import { logSafeUrl } from "@imessage-channel/agents";
import type { AgentConfig, ResolvedAccount, ResolvedRouting } from "@imessage-channel/config";

/** Which service manager runs the gateway, from the environment it gives its services. */
export type ServiceManager = "systemd" | "launchd" | undefined;

/**
 * systemd sets `INVOCATION_ID` for every unit it starts and `JOURNAL_STREAM` when stdout goes to the journal;
 * launchd sets `XPC_SERVICE_NAME` to the job's label (a Terminal shell has it as `0`).
 */
export function serviceManagerOf(env: NodeJS.ProcessEnv): ServiceManager {
  if (env.INVOCATION_ID || env.JOURNAL_STREAM) return "systemd";
  if (env.XPC_SERVICE_NAME && env.XPC_SERVICE_NAME !== "0") return "launchd";
  return undefined;
}

/** `gateway.log`, or `gateway-<account>.log` for a gateway of one account (one service per account). */
export function logFilePath(stateDir: string, accountId?: string): string {
  return join(stateDir, "logs", accountId ? `gateway-${accountId}.log` : "gateway.log");
}

export interface SummaryInput {
  configPath: string | undefined;
  stateDir: string;
  accounts: ResolvedAccount[];
  routing: ResolvedRouting;
  /** The rotating log file, when `logging.file` is on. */
  logFile?: { path: string; maxBytes: number; maxFiles: number };
  env: NodeJS.ProcessEnv;
  accountFlag?: string;
}

/** Where the log lines go: stdout (the service manager's log under systemd/launchd) and the rotating file. */
function logDestinations(input: SummaryInput): string {
  const manager = serviceManagerOf(input.env);
  const unit = input.accountFlag ? `imessage-channel-${input.accountFlag}.service` : "imessage-channel.service";
  const logName = input.accountFlag ? `gateway-${input.accountFlag}` : "gateway";
  const stdout =
    manager === "systemd"
      ? `the systemd journal (journalctl --user -u ${unit} -f)`
      : manager === "launchd"
        ? `launchd's StandardOutPath (${join(input.stateDir, "logs", `${logName}.out.log`)} when installed by \`imessage-channel service install\`)`
        : "stdout";
  if (!input.logFile) return `logs: ${stdout} (logging.file is off)`;
  const megabytes = Math.round((input.logFile.maxBytes / 1024 / 1024) * 10) / 10;
  return `logs: ${stdout} and ${input.logFile.path} (${input.logFile.maxFiles} files of ${megabytes} MB; imessage-channel logs -f)`;
}

function agentText(agent: AgentConfig, routing: ResolvedRouting): string {
  const runtime = agent.runtime;
  let where = "";
  if (runtime.type === "webhook" || runtime.type === "openai")
    where = ` ${logSafeUrl(runtime.type === "webhook" ? runtime.url : runtime.baseUrl)}`;
  else if (runtime.type === "exec") where = ` ${runtime.command[0] ?? ""}`;
  return `${agent.id} (${runtime.type}${where}${agent.id === routing.defaultAgentId ? ", default" : ""})`;
}

function imsgText(account: ResolvedAccount): string {
  if (account.transport === "ssh") return `imsg ${account.remoteCliPath} on ${account.remoteHost} (ssh)`;
  return `imsg ${account.cliPath}${account.remoteHost ? ` (wrapper to ${account.remoteHost})` : ""}`;
}

function policyText(account: ResolvedAccount): string {
  const allowed = (list: readonly string[] | null) =>
    list === null ? "" : list.includes("*") ? " (anyone)" : ` (${list.length} allowed)`;
  return [
    `dmPolicy ${account.dmPolicy}${account.dmPolicy === "allowlist" || account.dmPolicy === "open" ? allowed(account.allowFrom) : ""}`,
    `groupPolicy ${account.groupPolicy}${account.groupPolicy === "allowlist" ? allowed(account.groupAllowFrom ?? account.allowFrom) : ""}`,
    `catchup ${account.catchup.enabled ? "on" : "off"}`,
  ].join(", ");
}

/**
 * What the gateway says once it started, one line each: the files it uses, where its logs go, its agents, and
 * per account the imsg it drives and who may reach the agent.
 */
export function startupSummary(input: SummaryInput): string[] {
  const agents = input.routing.agents.length
    ? input.routing.agents.map((agent) => agentText(agent, input.routing)).join(", ")
    : `${input.routing.defaultAgentId} (echo, default: agents.list is empty)`;
  return [
    `config ${input.configPath ?? "(none found: defaults)"}; state dir ${input.stateDir}`,
    logDestinations(input),
    `agents: ${agents}`,
    ...input.accounts.map((account) => `account ${account.accountId}: ${imsgText(account)}; ${policyText(account)}`),
  ];
}
