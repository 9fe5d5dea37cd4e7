import { EventEmitter } from "node:events";
import { createAcpRuntimeFactory } from "@imessage-channel/agents-acp";
import {
  type Config,
  databaseIdentityOf,
  databaseKey,
  declaredAccountIds,
  type ResolvedAccount,
  resolveAccountWithWarnings,
  resolveGatewaySettings,
  resolveRouting,
} from "@imessage-channel/config";
import { ChannelError, errorMessage, type Logger } from "@imessage-channel/kit";
import { hotPathBusyTimeoutMilliseconds, openStateStore, type StateStore } from "@imessage-channel/state";
import { AccountRunner } from "./account-runner.ts";
import type { AccountStatus } from "./account-status.ts";
import { AgentRegistry, type ChannelAgents } from "./agent-registry.ts";
import type { ChannelEventName, ChannelEventSink, ChannelEvents } from "./channel-events.ts";
import { SessionQueue } from "./session-queue.ts";
import { shutdownPlan, within } from "./shutdown-plan.ts";
import { withFields } from "./with-fields.ts";

export interface ChannelOptions {
  /** A validated config (`loadConfig(…).config`, or `validateConfig(raw).config`). */
  config: Config;
  /** Where state.db, the cursors and the status files live (`resolveStateDir(process.env)` is the CLI's). */
  stateDir: string;
  logger: Logger;
  /**
   * The agent runtimes. Default: one per `agents.list` entry (echo, exec, webhook, openai, ACP), or the echo agent
   * `main` when the list is empty. A function gets the opened state (ACP keeps its session bindings there).
   */
  agents?: ChannelAgents | ((context: { state: StateStore; stateDir: string }) => ChannelAgents);
  /** What the agents' `${VAR}` references and API keys are read from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The config file `/config set` in a chat edits; without one, chat config writes are refused. */
  configPath?: string;
  /** Run only this account. */
  accountId?: string;
  /** The whole shutdown's budget; default `shutdown.timeoutSeconds` (10 s). */
  shutdownTimeoutMs?: number;
  /** Turns run at once across sessions. */
  concurrency?: number;
}

export interface Channel {
  /** Opens state.db and starts every enabled account; one account's failure is logged and never stops another. */
  start(): Promise<void>;
  /**
   * Graceful and bounded by `shutdownTimeoutMs`: stop taking rows, flush the coalescer, let turns finish while the
   * budget allows, cancel the rest through their agents' AbortSignal (their rows are replayed on the next start),
   * persist cursors, close children.
   */
  stop(): Promise<void>;
  /** Each running account's status: what its status file holds. */
  status(): AccountStatus[];
  /** Listens to `turn`, `reply` or `status`; returns the function that stops listening. */
  on<Name extends ChannelEventName>(event: Name, listener: (payload: ChannelEvents[Name]) => void): () => void;
  /** What `stop` is given: the process must have exited this long after SIGTERM. */
  readonly shutdownTimeoutMs: number;
}

/** Why the channel could not start at all (one account's failure is logged, not thrown). */
export class ChannelStartError extends ChannelError<"NO_ENABLED_ACCOUNT"> {}

interface Running {
  state: StateStore;
  agents: ChannelAgents;
  queue: SessionQueue;
  runners: AccountRunner[];
}

/** One iMessage channel: every enabled account of `config`, composed and supervised. */
export function createChannel(options: ChannelOptions): Channel {
  const { config, logger } = options;
  const events = new EventEmitter();
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? resolveGatewaySettings(config).shutdownTimeoutMs;
  let running: Running | undefined;
  let stopping: Promise<void> | undefined;
  const emit = <Name extends ChannelEventName>(event: Name, payload: ChannelEvents[Name]) => {
    try {
      events.emit(event, payload);
    } catch (error) {
      logger.error({ err: error, event }, `a "${event}" listener threw: ${errorMessage(error)}`);
    }
  };
  return {
    shutdownTimeoutMs,
    async start() {
      if (running) throw new Error("the channel is already started");
      running = startAccounts(options, emit);
      await Promise.all(running.runners.map((runner) => startRunner(runner, logger)));
    },
    stop() {
      stopping ??= running ? stopAccounts(running, shutdownTimeoutMs, logger) : Promise.resolve();
      return stopping;
    },
    status: () => running?.runners.map((runner) => runner.status.snapshot) ?? [],
    on(event, listener) {
      events.on(event, listener);
      return () => events.off(event, listener);
    },
  };
}

function selectAccounts(config: Config, accountId: string | undefined, logger: Logger): ResolvedAccount[] {
  const ids = accountId ? [accountId] : declaredAccountIds(config);
  const accounts: ResolvedAccount[] = [];
  for (const id of ids) {
    const { account, warnings } = resolveAccountWithWarnings(config, id);
    for (const warning of warnings) logger.warn({}, warning);
    if (account.enabled) accounts.push(account);
    else logger.info({ account: id }, `account ${id} is disabled; not starting it`);
  }
  return accounts;
}

function startAccounts(options: ChannelOptions, emit: ChannelEventSink): Running {
  const { config, logger, stateDir } = options;
  const routing = resolveRouting(config);
  const settings = resolveGatewaySettings(config);
  // SQLite waits for another process's write lock synchronously: the gateway gives up soon and retries later.
  const state = openStateStore({
    stateDir,
    busyTimeoutMilliseconds: hotPathBusyTimeoutMilliseconds,
    onWarning: (warning) => logger.warn({}, warning),
  });
  const agents =
    typeof options.agents === "function"
      ? options.agents({ state, stateDir })
      : (options.agents ??
        new AgentRegistry(routing.agents, {
          stateDir,
          logger,
          env: options.env ?? process.env,
          createAcp: createAcpRuntimeFactory({
            stateDir,
            bindings: state.bindings,
            meta: state.meta,
            onStderr: (agentId, line) => logger.debug({ agent: agentId }, `acp agent stderr: ${line}`),
          }),
        }));
  const queue = new SessionQueue(options.concurrency ?? 8);

  const accounts = selectAccounts(config, options.accountId, logger);
  if (accounts.length === 0) {
    state.close();
    throw new ChannelStartError(
      "NO_ENABLED_ACCOUNT",
      "no enabled account to run: set channels.imessage.enabled (or accounts.<id>.enabled) to true",
    );
  }
  const seen = new Map<string, string>();
  const runners: AccountRunner[] = [];
  for (const account of accounts) {
    const identity = databaseKey(databaseIdentityOf(account));
    const other = seen.get(identity);
    if (other) {
      logger.error(
        {},
        `account ${account.accountId} reads the same database as account ${other} (${identity}); both would answer every message: not starting ${account.accountId}. Point it at another Mac or dbPath, or disable one`,
      );
      continue;
    }
    seen.set(identity, account.accountId);
    runners.push(
      new AccountRunner({
        account,
        routing,
        state,
        agents,
        queue,
        stateDir,
        configPath: options.configPath,
        logger: withFields(logger, { account: account.accountId }),
        agentRetry: settings.agentRetry,
        onEvent: emit,
      }),
    );
  }
  return { state, agents, queue, runners };
}

/** One account's failure never stops another: it is logged and the others run. */
async function startRunner(runner: AccountRunner, logger: Logger): Promise<void> {
  try {
    await runner.start();
  } catch (error) {
    runner.status.setState("failed", errorMessage(error));
    logger.error(
      { err: error, account: runner.accountId },
      `account ${runner.accountId} did not start: ${errorMessage(error)}`,
    );
  }
}

async function stopAccounts(
  { state, agents, queue, runners }: Running,
  shutdownTimeoutMs: number,
  logger: Logger,
): Promise<void> {
  const startedAt = Date.now();
  const plan = shutdownPlan(shutdownTimeoutMs);
  logger.info(
    {},
    `shutting down: finishing in-flight turns for up to ${Math.round(plan.turnsMs)} ms (shutdown.timeoutSeconds ${shutdownTimeoutMs / 1000})`,
  );
  for (const runner of runners) runner.stopAccepting();
  const deadline = Date.now() + plan.turnsMs;
  // Emits what the coalescer holds; resolves once every turn it handed on finished or was put back.
  const flushed = Promise.all(runners.map((runner) => runner.flush()));
  const finished = (await within(flushed, plan.turnsMs)) && (await queue.drain(deadline - Date.now()));
  if (!finished) {
    logger.warn(
      {},
      `shutdown: ${queue.size} turn(s) still queued or running after ${Math.round(plan.turnsMs)} ms; cancelling them (their agents' requests are aborted); their rows are answered after the next start`,
    );
    queue.cancel();
    const unwound = flushed.then(() => queue.drain(plan.unwindMs));
    if (!(await within(unwound, plan.unwindMs)) || !(await unwound))
      logger.warn({}, "shutdown: a cancelled turn did not stop in time; its row stays claimed and is replayed");
  }
  await Promise.all(runners.map((runner) => runner.stop()));
  // An ACP agent gets 2 s between SIGTERM and SIGKILL: never more than what is left of the budget.
  if (!(await within(agents.close?.() ?? Promise.resolve(), startedAt + shutdownTimeoutMs - 250 - Date.now())))
    logger.warn({}, "shutdown: an agent process did not stop in time; leaving it to be killed");
  state.close();
  logger.info({}, "stopped");
}
