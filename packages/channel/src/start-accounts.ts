import { createAcpRuntimeFactory } from "@imessage-channel/agents-acp";
import {
  type Config,
  databaseIdentityOf,
  databaseKey,
  declaredAccountIds,
  loadConfigOrThrow,
  type ResolvedAccount,
  resolveAccountWithWarnings,
  resolveGatewaySettings,
  resolveRouting,
} from "@imessage-channel/config";
import { ChannelError, errorMessage, type Logger } from "@imessage-channel/kit";
import { hotPathBusyTimeoutMilliseconds, openStateStore, resolveStateDir } from "@imessage-channel/state";
import { AccountRunner } from "./account-runner.ts";
import type { AccountStatus } from "./account-status.ts";
import { AgentRegistry } from "./agent-registry.ts";
import { SessionQueue } from "./session-queue.ts";
import { withFields } from "./with-fields.ts";

export interface GatewayOptions {
  /** `--config`; otherwise the usual search order. */
  configPath?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Run only this account. */
  accountId?: string;
  logger: Logger;
  /** The whole shutdown's budget; default `shutdown.timeoutSeconds` (10 s). */
  shutdownTimeoutMs?: number;
  /** Turns run at once across sessions. */
  concurrency?: number;
}

export interface RunningGateway {
  readonly accounts: readonly AccountRunner[];
  statuses(): AccountStatus[];
  /**
   * Graceful and bounded by `shutdownTimeoutMs`: stop taking rows, flush the coalescer, let turns finish while the
   * budget allows, cancel the rest through their agents' AbortSignal (their rows are replayed on the next start),
   * persist cursors, close children.
   */
  stop(): Promise<void>;
  /** What `stop` is given: the process must have exited this long after SIGTERM. */
  readonly shutdownTimeoutMs: number;
}

/** Why the channel could not start at all (one account's failure is logged, not thrown). */
export class ChannelStartError extends ChannelError<"NO_ENABLED_ACCOUNT"> {}

/** Of the shutdown budget, what is kept for closing children, cursors and state.db after the turns' share. */
export function shutdownPlan(budgetMs: number): { turnsMs: number; unwindMs: number } {
  const reserveMs = Math.min(3000, budgetMs / 2);
  return { turnsMs: budgetMs - reserveMs, unwindMs: reserveMs / 2 };
}

/** Resolves true when `work` settled within `timeoutMs`, false otherwise (the work goes on). */
async function within(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, timeoutMs));
  });
  try {
    return await Promise.race([
      work.then(
        () => true as const,
        () => true as const,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
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

/** Starts every enabled account; one account's failure never stops another. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  const loaded = await loadConfigOrThrow({ path: options.configPath, env: options.env, cwd: options.cwd });
  for (const warning of loaded.warnings) logger.warn({}, warning);
  const config = loaded.config;
  const routing = resolveRouting(config);
  const settings = resolveGatewaySettings(config);
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? settings.shutdownTimeoutMs;
  const stateDir = resolveStateDir(options.env);
  // SQLite waits for another process's write lock synchronously: the gateway gives up soon and retries later.
  const state = openStateStore({
    stateDir,
    busyTimeoutMilliseconds: hotPathBusyTimeoutMilliseconds,
    onWarning: (warning) => logger.warn({}, warning),
  });
  const agents = new AgentRegistry(routing.agents, {
    stateDir,
    logger,
    env: options.env,
    createAcp: createAcpRuntimeFactory({
      stateDir,
      bindings: state.bindings,
      meta: state.meta,
      onStderr: (agentId, line) => logger.debug({ agent: agentId }, `acp agent stderr: ${line}`),
    }),
  });
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
        configPath: loaded.path,
        logger: withFields(logger, { account: account.accountId }),
        agentRetry: settings.agentRetry,
      }),
    );
  }
  // One account's failure never stops another: it is logged and the others run.
  const started = await Promise.allSettled(runners.map((runner) => runner.start()));
  started.forEach((outcome, index) => {
    if (outcome.status === "rejected") {
      const runner = runners[index];
      runner?.status.setState("failed", errorMessage(outcome.reason));
      logger.error(
        { err: outcome.reason, account: runner?.accountId },
        `account ${runner?.accountId} did not start: ${errorMessage(outcome.reason)}`,
      );
    }
  });

  let stopping: Promise<void> | undefined;
  return {
    accounts: runners,
    statuses: () => runners.map((runner) => runner.status.snapshot),
    shutdownTimeoutMs,
    stop() {
      stopping ??= (async () => {
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
        if (!(await within(agents.close(), startedAt + shutdownTimeoutMs - 250 - Date.now())))
          logger.warn({}, "shutdown: an agent process did not stop in time; leaving it to be killed");
        state.close();
        logger.info({}, "stopped");
      })();
      return stopping;
    },
  };
}
