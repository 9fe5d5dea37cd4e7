import { BenchPeerError } from "./bench-peer-error.ts";
import { startOurClient } from "./our-client.ts";

/**
 * `count` `message` notifications through ImsgClient's subscription (framing, JSON.parse, zod validation, mapping)
 * to a handler (`Subscription.consume`): notifications per second, timed from the first notification to the last.
 */
export async function ourInboundRate(cliPath: string, count: number): Promise<number> {
  const client = await startOurClient(cliPath);
  try {
    const subscription = await client.subscribe({});
    let started = 0;
    let finished = 0;
    let received = 0;
    const { promise: all, resolve } = Promise.withResolvers<void>();
    // `consume`: a call per message, the way the channel's supervisor reads the stream.
    const consumed = subscription.consume((message) => {
      if (received === 0) started = performance.now();
      received += 1;
      if (message.id === count) {
        finished = performance.now();
        resolve();
      }
    });
    // Closing the client below ends the stream with an error, which is no failure of the measurement.
    consumed.catch(() => undefined);
    await Promise.race([all, consumed]);
    void subscription.unsubscribe();
    const seconds = (finished - started) / 1000;
    if (received !== count) {
      throw new BenchPeerError("MEASUREMENT_FAILED", `ImsgClient handed out ${received} of ${count} notifications`);
    }
    return (count - 1) / seconds;
  } finally {
    await client.close();
  }
}
