import { BenchPeerError } from "./bench-peer-error.ts";
import { startOurClient } from "./our-client.ts";

/**
 * `count` `message` notifications through ImsgClient's subscription (framing, JSON.parse, zod validation, mapping)
 * to a `for await` handler: notifications per second, timed from the first notification to the last.
 */
export async function ourInboundRate(cliPath: string, count: number): Promise<number> {
  const client = await startOurClient(cliPath);
  try {
    const subscription = await client.subscribe({});
    let started = 0;
    let received = 0;
    for await (const message of subscription) {
      if (received === 0) started = performance.now();
      received += 1;
      if (message.id === count) break;
    }
    const seconds = (performance.now() - started) / 1000;
    if (received !== count) {
      throw new BenchPeerError("MEASUREMENT_FAILED", `ImsgClient handed out ${received} of ${count} notifications`);
    }
    return (count - 1) / seconds;
  } finally {
    await client.close();
  }
}
