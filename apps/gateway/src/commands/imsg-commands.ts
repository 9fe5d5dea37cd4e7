import { readFile, stat } from "node:fs/promises";
import {
  type AccountStatus,
  createImsgTransport,
  oneShotOptions,
  rpcArgs,
  statusFilePath,
} from "@imessage-channel/channel";
import {
  type Config,
  ConfigError,
  declaredAccountIds,
  loadConfigOrThrow,
  type ResolvedAccount,
  resolveAccount,
} from "@imessage-channel/config";
import { errorMessage } from "@imessage-channel/kit";
import {
  capabilityFromProbe,
  createMessageSender,
  receiptPlan,
  resolveSendTarget,
  type SendTargetParams,
} from "@imessage-channel/outbound";
import { ImsgClient, type NegotiatedProtocol, probeCapabilities } from "@imessage-channel/rpc-client";
import { resolveStateDir } from "@imessage-channel/state";
import { runOnce } from "@imessage-channel/transport";
import { CliError, type CliIo, formatTable } from "../cli-io.ts";
import { launchFailureLine } from "../imsg-diagnosis.ts";
import { needsOperator, outboxCountsOf } from "./outbox.ts";
import { counterCells, droppedByReason, livenessOf, processIsAlive, stateText, timeCells } from "./status-view.ts";

export interface ImsgCommandOptions {
  config?: string;
  account?: string;
  json?: boolean;
}

export async function loadAccounts(
  io: CliIo,
  options: ImsgCommandOptions,
): Promise<{ config: Config; accounts: ResolvedAccount[] }> {
  try {
    const { config } = await loadConfigOrThrow({ path: options.config, env: io.env, cwd: io.cwd });
    const ids = options.account ? [options.account] : declaredAccountIds(config);
    return { config, accounts: ids.map((id) => resolveAccount(config, id)) };
  } catch (error) {
    if (ConfigError.isInstance(error)) throw new CliError(error.problems.join("\n"), 2);
    throw error;
  }
}

/** Runs `fn` with a client on a short-lived `imsg rpc` of the account (the CLI is not the gateway). */
export async function withClient<T>(account: ResolvedAccount, fn: (client: ImsgClient) => Promise<T>): Promise<T> {
  const client = new ImsgClient({ transport: createImsgTransport(account, rpcArgs(account)) });
  await client.start();
  try {
    return await fn(client);
  } finally {
    await client.close().catch(() => {});
  }
}

async function readStatusFile(stateDir: string, accountId: string): Promise<AccountStatus | undefined> {
  try {
    return JSON.parse(await readFile(statusFilePath(stateDir, accountId), "utf8")) as AccountStatus;
  } catch {
    return undefined;
  }
}

interface ProbeResult {
  accountId: string;
  works: boolean;
  version: string | undefined;
  rpc: boolean;
  privateApi: { available: boolean; selectors: Record<string, boolean> };
  /**
   * What the connection's `initialize` said (docs/imsg-protocol.md#initialize-and-status): protocol 1 with the
   * methods usable now and the features on 0.14+, protocol 0 before; absent when imsg could not be asked.
   */
  protocol?: {
    version: 0 | 1;
    methods?: readonly string[];
    features: Readonly<Record<string, number>>;
    databaseReady?: boolean;
  };
  problems: string[];
}

/** `imsg 0.15.10, protocol 1, tapback.emoji 2`: the version and what the connection negotiated. */
function probeSummary(probe: ProbeResult): string {
  const parts = [`imsg ${probe.version ?? "?"}`];
  if (probe.protocol !== undefined) parts.push(`protocol ${probe.protocol.version}`);
  for (const [feature, level] of Object.entries(probe.protocol?.features ?? {})) parts.push(`${feature} ${level}`);
  return parts.join(", ");
}

/**
 * What `status --probe` says about one account. A healthy imsg 0.14+ is asked on one `imsg rpc` connection: its
 * `initialize` answers the version, the methods and the bridge, which the one-shot commands (`--version`,
 * `status --json`, each a process of its own, over SSH a connection of its own) would answer one after another.
 * Anything else (an older imsg, one that does not start or cannot read the database) takes the full probe, whose
 * diagnosis names the root cause with the fix (imsg missing, no `imsg rpc`, the database unreadable).
 */
async function probeAccount(account: ResolvedAccount): Promise<ProbeResult> {
  return (await probeOverRpc(account).catch(() => undefined)) ?? (await fullProbe(account));
}

/** The one-connection probe; undefined when it cannot tell (protocol 0, or a failure the full probe diagnoses). */
async function probeOverRpc(account: ResolvedAccount): Promise<ProbeResult | undefined> {
  const negotiated = await withClient(account, async (client) => {
    const protocol = await client.initialize();
    if (protocol.protocolVersion === 0) return undefined;
    await client.chatsList({ limit: 1 });
    return protocol;
  });
  if (!negotiated) return undefined;
  const privateApi = { available: negotiated.bridge?.ready === true, selectors: { ...negotiated.bridge?.selectors } };
  const capabilities = {
    ...(negotiated.version === undefined ? {} : { version: negotiated.version }),
    rpcSupported: true,
    rpcMethods: [...(negotiated.supportedMethods ?? negotiated.methods ?? [])],
    privateApi,
    problems: [],
  };
  const problems: string[] = [];
  if (!privateApi.available) {
    problems.push("private API actions are unavailable: run `imsg launch` on the Mac (SIP disabled) and probe again");
  }
  const { warning } = receiptPlan({ sendReadReceipts: true, capability: capabilityFromProbe(capabilities) });
  if (warning) problems.push(warning);
  return {
    accountId: account.accountId,
    works: true,
    version: negotiated.version,
    rpc: true,
    privateApi,
    protocol: {
      version: negotiated.protocolVersion,
      features: negotiated.features,
      ...(negotiated.methods === undefined ? {} : { methods: negotiated.methods }),
      ...(negotiated.database === undefined ? {} : { databaseReady: negotiated.database.ready }),
    },
    problems,
  };
}

async function fullProbe(account: ResolvedAccount): Promise<ProbeResult> {
  const capabilities = await probeCapabilities((args) => runOnce(oneShotOptions(account, args)));
  const result = (works: boolean, problems: string[]): ProbeResult => ({
    accountId: account.accountId,
    works,
    version: capabilities.version,
    rpc: capabilities.rpcSupported,
    privateApi: capabilities.privateApi,
    problems,
  });
  if (capabilities.launchFailure) return result(false, [launchFailureLine(account, capabilities.launchFailure)]);
  if (!capabilities.rpcSupported) return result(false, capabilities.problems);
  let negotiated: NegotiatedProtocol;
  try {
    negotiated = await withClient(account, async (client) => {
      const protocol = await client.initialize();
      await client.chatsList({ limit: 1 });
      return protocol;
    });
  } catch (error) {
    const message = errorMessage(error).split("\n")[0] ?? "";
    return result(false, [
      /Full Disk Access|Permission Error|authorization denied|unable to open/i.test(errorMessage(error))
        ? `the Messages database is not readable (${message}): grant Full Disk Access to the app that runs imsg (Terminal, sshd or launchd's node) and probe again`
        : `imsg rpc failed: ${message}`,
    ]);
  }
  const problems = [...capabilities.problems];
  if (!capabilities.privateApi.available) {
    problems.push("private API actions are unavailable: run `imsg launch` on the Mac (SIP disabled) and probe again");
  }
  const { warning } = receiptPlan({ sendReadReceipts: true, capability: capabilityFromProbe(capabilities) });
  if (warning) problems.push(warning);
  return {
    ...result(true, problems),
    protocol: {
      version: negotiated.protocolVersion,
      features: negotiated.features,
      ...(negotiated.methods === undefined ? {} : { methods: negotiated.methods }),
      ...(negotiated.database === undefined ? {} : { databaseReady: negotiated.database.ready }),
    },
  };
}

/** `status [--probe] [--json]`: what the running gateway wrote, and with `--probe` what imsg says now. */
export async function statusCommand(
  io: CliIo,
  options: ImsgCommandOptions & { probe?: boolean; channel?: string },
): Promise<void> {
  if (options.channel && options.channel !== "imessage")
    throw new CliError(`unknown channel "${options.channel}": use imessage`, 2);
  const { accounts } = await loadAccounts(io, options);
  const stateDir = resolveStateDir(io.env);
  // From state.db, not the status file: exact whether the gateway runs or not (and right after `outbox resolve`).
  const outbox = outboxCountsOf(
    io,
    accounts.map((account) => account.accountId),
  );
  const now = Date.now();
  // Every account's probe at once: each is one `imsg rpc` connection on a healthy imsg.
  const probes = await Promise.all(
    accounts.map((account) => (options.probe ? probeAccount(account) : Promise.resolve(undefined))),
  );
  const rows = [];
  for (const [index, account] of accounts.entries()) {
    const live = await readStatusFile(stateDir, account.accountId);
    const liveness = live ? livenessOf(live, now, processIsAlive) : undefined;
    const running = liveness?.kind === "running";
    rows.push({ account, live, liveness, running, probe: probes[index], outbox: outbox.get(account.accountId) });
  }
  if (options.json) {
    const output = rows.map(({ account, live, liveness, running, probe, outbox }) => ({
      accountId: account.accountId,
      enabled: account.enabled,
      running,
      ...(live
        ? {
            // A dead gateway's last connection state is history: `state` says it is not running.
            state: running ? live.state : liveness?.kind === "stopped" ? "stopped" : "not-running",
            reason: live.reason,
            ...(running && live.retry ? { retry: live.retry } : {}),
            pid: live.pid,
            startedAt: live.startedAt,
            ...(running ? { uptimeSeconds: Math.floor((now - Date.parse(live.startedAt)) / 1000) } : {}),
            ...(live.stoppedAt ? { stoppedAt: live.stoppedAt } : {}),
            lastSeenAt: live.updatedAt,
            lastEventAt: live.lastEventAt,
            lastEvent: live.lastEvent,
            counters: live.counters,
          }
        : {}),
      outbox,
      ...(probe ?? {}),
    }));
    io.stdout.write(`${JSON.stringify({ channels: { imessage: { accounts: output } } }, null, 2)}\n`);
  } else {
    const table = rows.map(({ account, live, liveness, probe }) => [
      account.accountId,
      stateText(live, liveness, now),
      ...timeCells(live, liveness, now),
      ...counterCells(live),
      probe ? (probe.works ? `works (${probeSummary(probe)})` : "broken") : "-",
      probe ? (probe.privateApi.available ? "available" : "off") : "-",
    ]);
    const header = [
      "ACCOUNT",
      "STATE",
      "UPTIME",
      "LAST EVENT",
      "RECV",
      "DISP",
      "REPLAYED",
      "SENT",
      "FAILED",
      "DROPPED",
    ];
    io.stdout.write(`${formatTable([...header, "PROBE", "PRIVATE API"], table)}\n`);
    for (const { account, live, running, probe, outbox } of rows) {
      if (running && live?.reason) io.stdout.write(`${account.accountId}: ${live.reason}\n`);
      const dropped = live ? droppedByReason(live) : "";
      if (dropped) io.stdout.write(`${account.accountId}: dropped: ${dropped}\n`);
      const waiting = outbox && needsOperator(outbox, rows.length > 1 ? account.accountId : undefined);
      if (waiting)
        io.stdout.write(`${account.accountId}: outbox: ${waiting.summary} — run \`${waiting.listCommand}\`\n`);
      for (const problem of probe?.problems ?? []) io.stdout.write(`${account.accountId}: ${problem}\n`);
    }
  }
  const broken = rows.filter((row) => options.probe && !row.probe?.works).map((row) => row.account.accountId);
  if (broken.length > 0)
    throw new CliError(`imsg does not work for account ${broken.join(", ")} (see the problems above)`, 1);
}

/** `chats [--limit N] [--json]`: the Mac's recent chats, newest activity first, with unread counts where imsg has them. */
export async function chatsCommand(io: CliIo, options: ImsgCommandOptions & { limit?: string }): Promise<void> {
  const limit = options.limit === undefined ? 20 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1)
    throw new CliError(`--limit: "${options.limit}" is not a positive whole number`, 2);
  const { accounts } = await loadAccounts(io, options);
  const account = accounts[0];
  if (!account) throw new CliError("no account configured", 2);
  const chats = await withClient(account, (client) => client.chatsList({ limit }));
  if (options.json) {
    io.stdout.write(`${JSON.stringify(chats, null, 2)}\n`);
    return;
  }
  // imsg 0.13+ counts unread messages per chat (on a database with read state); older builds say nothing.
  const unread = chats.some((chat) => chat.unreadCount !== undefined);
  const rows = chats.map((chat) => [
    `chat_id:${chat.id}`,
    chat.isGroup ? "group" : "dm",
    chat.service,
    chat.name || chat.contactName || chat.identifier,
    chat.lastMessageAt,
    ...(unread ? [chat.unreadCount === undefined ? "-" : String(chat.unreadCount)] : []),
  ]);
  const header = ["TARGET", "KIND", "SERVICE", "NAME", "LAST MESSAGE", ...(unread ? ["UNREAD"] : [])];
  io.stdout.write(`${formatTable(header, rows)}\n`);
}

/** `--file`: a readable regular file within `mediaMaxMb`, or a usage error naming the fix. */
async function checkLocalFile(path: string, mediaMaxBytes: number): Promise<void> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new CliError(`--file ${path} does not exist`, 2);
  if (!info.isFile()) throw new CliError(`--file ${path} is not a regular file`, 2);
  if (info.size > mediaMaxBytes) {
    const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
    throw new CliError(
      `--file ${path} is ${megabytes(info.size)}, over mediaMaxMb (${megabytes(mediaMaxBytes)}); raise channels.imessage.mediaMaxMb or send a smaller file`,
      2,
    );
  }
}

/** `send <target> [text] [--file P]`: one message through the same client the gateway uses. */
export async function sendCommand(
  io: CliIo,
  target: string,
  text: string | undefined,
  options: ImsgCommandOptions & { file?: string },
): Promise<void> {
  if (!text && !options.file) throw new CliError("nothing to send: give a text or --file PATH", 2);
  const { accounts } = await loadAccounts(io, options);
  const account = accounts[0];
  if (!account) throw new CliError("no account configured", 2);
  let sendTarget: SendTargetParams;
  try {
    sendTarget = resolveSendTarget(target, { region: account.phoneRegion });
  } catch (error) {
    throw new CliError(errorMessage(error), 2);
  }
  const params: Record<string, unknown> = { ...sendTarget };
  if (text) params.text = text;
  if (options.file) {
    // A local imsg reads the file here: say what is wrong before Messages does (a remote Mac reads its own path).
    if (account.transport === "local" && !account.remoteHost) await checkLocalFile(options.file, account.mediaMaxBytes);
    params.file = options.file;
  }
  // Through outbound's sender, the one path that sends; a one-shot client has no reconnect to wait for.
  const sent = await withClient(account, (client) =>
    createMessageSender({
      call: (method, callParams) => client.request(method, callParams),
      isConnected: () => true,
      reconnectWaitMs: 0,
    })
      .deliveryTo(sendTarget)
      .send({ method: "send", params }),
  );
  if (options.json) io.stdout.write(`${JSON.stringify(sent.answer)}\n`);
  else io.stdout.write(`Sent to ${target}.\n`);
}
