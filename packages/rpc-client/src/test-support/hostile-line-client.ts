// Run with `node --expose-gc --conditions=@imessage-channel/source`: an ImsgClient reads hostile-line-child.mjs
// (argv[2]: the hostile line's depth) in this process, which nothing else allocates in, and prints one JSON line:
// the ids delivered, what was logged, and RSS after GC before and after the hostile line.
import { fileURLToPath } from "node:url";
import { recordingLogger } from "@imessage-channel/kit";
import { LocalTransport } from "@imessage-channel/transport";
import { ImsgClient } from "../imsg-client.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --expose-gc");

async function settledRssMb(): Promise<number> {
  for (let round = 0; round < 3; round += 1) {
    gc?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().rss / 2 ** 20;
}

const childPath = fileURLToPath(new URL("./hostile-line-child.mjs", import.meta.url));
const logger = recordingLogger();
const client = new ImsgClient({
  transport: new LocalTransport({ cliPath: process.execPath, args: [childPath, ...process.argv.slice(2)] }),
  logger,
});
await client.start();
await client.chatsList();
const baselineMb = await settledRssMb();
const subscription = await client.subscribe();
const ids: number[] = [];
for await (const message of subscription) {
  ids.push(message.id);
  if (message.id === 4) break;
}
const afterMb = await settledRssMb();
await client.close();
const logged = logger.entries.map(({ level, message, fields }) => ({ level, message, code: fields.code }));
console.log(JSON.stringify({ ids, logged, baselineMb, afterMb }));
