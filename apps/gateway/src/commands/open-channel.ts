import { type Channel, createChannel } from "@imessage-channel/channel";
import { loadConfigOrThrow } from "@imessage-channel/config";
import type { Logger } from "@imessage-channel/kit";
import { resolveStateDir } from "@imessage-channel/state";

export interface OpenChannelOptions {
  /** `--config`; otherwise the usual search order. */
  configPath?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** `--account`: run only this one. */
  accountId?: string;
  logger: Logger;
}

/** Loads the config file (its warnings logged, its errors thrown as ConfigError) and starts the channel on it. */
export async function openChannel(options: OpenChannelOptions): Promise<Channel> {
  const { logger, env } = options;
  const loaded = await loadConfigOrThrow({ path: options.configPath, env, cwd: options.cwd });
  for (const warning of loaded.warnings) logger.warn({}, warning);
  const channel = createChannel({
    config: loaded.config,
    configPath: loaded.path,
    stateDir: resolveStateDir(env),
    logger,
    env,
    accountId: options.accountId,
  });
  await channel.start();
  return channel;
}
