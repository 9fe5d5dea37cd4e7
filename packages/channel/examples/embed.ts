import { createChannel } from "@imessage-channel/channel";
import { validateConfig } from "@imessage-channel/config";
import { silentLogger } from "@imessage-channel/kit";

/** Embeds the iMessage channel in your own Node service: your agent answers, the channel does the rest. */
export async function startMyChannel(options: { cliPath: string; dbPath?: string; stateDir: string }) {
  const { config, errors } = validateConfig({
    channels: { imessage: { cliPath: options.cliPath, dbPath: options.dbPath, allowFrom: ["+15555550123"] } },
  });
  if (!config) throw new Error(errors.join("\n"));
  const channel = createChannel({
    config,
    stateDir: options.stateDir,
    logger: silentLogger, // pino() fits as it is
    agents: { get: () => ({ kind: "mine", run: async (turn) => ({ text: `You said: ${turn.text}` }) }) },
  });
  channel.on("reply", (reply) => console.log(`answered ${reply.guids.join(", ")} in ${reply.sessionKey}`));
  await channel.start(); // call channel.stop() on SIGTERM: it finishes the turns in flight
  return channel;
}
