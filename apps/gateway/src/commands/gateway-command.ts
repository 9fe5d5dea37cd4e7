import { type Channel, ChannelStartError } from "@imessage-channel/channel";
import { ConfigError, loadConfig, resolveAccount, resolveRouting } from "@imessage-channel/config";
import { resolveStateDir } from "@imessage-channel/state";
import { CliError, type CliIo } from "../cli-io.ts";
import { createGatewayLogging } from "../gateway-logging.ts";
import { startupSummary } from "../startup-summary.ts";
import { openChannel } from "./open-channel.ts";

export interface GatewayCommandOptions {
  config?: string;
  account?: string;
  metricsPort?: string;
  logLevel?: string;
  logFormat?: string;
}

/** `imessage-channel gateway`: runs until SIGINT/SIGTERM, then shuts down gracefully. */
export async function gatewayCommand(io: CliIo, options: GatewayCommandOptions): Promise<void> {
  // The file's logging settings shape the logger; its problems (if any) are reported by openChannel below.
  const { config, path: configPath } = await loadConfig({ path: options.config, env: io.env, cwd: io.cwd });
  const stateDir = resolveStateDir(io.env);
  const logging = createGatewayLogging({
    config,
    env: io.env,
    stateDir,
    stdout: io.stdout,
    stderr: io.stderr,
    level: options.logLevel,
    format: options.logFormat,
    accountId: options.account,
  });
  const { logger } = logging;
  const flagPort = options.metricsPort === undefined ? undefined : Number(options.metricsPort);
  if (flagPort !== undefined && (!Number.isInteger(flagPort) || flagPort < 0 || flagPort > 65535)) {
    throw new CliError(`--metrics-port: "${options.metricsPort}" is not a port number (0-65535)`, 2);
  }
  // The flag wins; `metrics.port` lets a service unit run `gateway` with no flag at all.
  const metricsPort = flagPort ?? config?.metrics?.port;
  // Listen before starting: a SIGTERM during start-up must still shut down gracefully, not kill the process.
  let signalled!: (signal: NodeJS.Signals) => void;
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    signalled = resolve;
  });
  const onSignal = (signal: NodeJS.Signals) => signalled(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    let gateway: Channel;
    try {
      gateway = await openChannel({
        configPath: options.config,
        env: io.env,
        cwd: io.cwd,
        accountId: options.account,
        logger,
      });
    } catch (error) {
      if (ConfigError.isInstance(error)) throw new CliError(error.problems.join("\n"), 2);
      if (ChannelStartError.isInstance(error)) throw new CliError(error.message, 2);
      throw error;
    }
    // Loaded only with a metrics port: importing node:http evaluates its lazy exports, undici among them (~30 ms).
    const metrics =
      metricsPort === undefined
        ? undefined
        : await (await import("../metrics-server.ts")).startMetricsServer(metricsPort, () => gateway.status());
    if (metrics) logger.info(`metrics on http://127.0.0.1:${metrics.port}/metrics`);
    if (config) {
      const summary = startupSummary({
        configPath,
        stateDir,
        accounts: gateway.status().map((status) => resolveAccount(config, status.accountId)),
        routing: resolveRouting(config),
        ...(logging.file ? { logFile: logging.file } : {}),
        env: io.env,
        accountFlag: options.account,
      });
      for (const line of summary) logger.info({}, line);
    }
    logger.info({ accounts: gateway.status().length }, "gateway running; SIGINT or SIGTERM stops it");
    logger.info(`received ${await stopRequested}`);
    // launchd and systemd kill a gateway that outlives their stop timeout: whatever hangs, exit within the budget.
    let stopped = false;
    const watchdog = setTimeout(() => {
      if (!stopped) {
        logger.error(
          `shutdown did not finish within shutdown.timeoutSeconds (${gateway.shutdownTimeoutMs / 1000} s); exiting now: unfinished rows are answered after the next start`,
        );
      }
      process.exit(stopped ? (process.exitCode ?? 0) : 1);
    }, gateway.shutdownTimeoutMs);
    watchdog.unref();
    await gateway.stop();
    await metrics?.close();
    stopped = true;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
