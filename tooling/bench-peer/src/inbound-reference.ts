import { BenchPeerError } from "./bench-peer-error.ts";
import type { ReferenceClientModule } from "./reference.ts";

/**
 * `count` `message` notifications through the reference's `IMessageRpcClient` to its `onNotification` handler:
 * notifications per second, timed from the first notification to the last (the same bounds as ours).
 */
export async function referenceInboundRate(
  reference: ReferenceClientModule,
  cliPath: string,
  count: number,
): Promise<number> {
  let started = 0;
  let received = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const client = await reference.createRpcClient({
    cliPath,
    onNotification: (notification) => {
      if (notification.method !== "message") return;
      if (received === 0) started = performance.now();
      received += 1;
      const message = (notification.params as { message?: { id?: unknown } } | undefined)?.message;
      if (message?.id === count) finish();
    },
  });
  try {
    await client.request("watch.subscribe", {});
    await done;
    const seconds = (performance.now() - started) / 1000;
    if (received !== count) {
      throw new BenchPeerError(
        "MEASUREMENT_FAILED",
        `the reference client handed out ${received} of ${count} notifications`,
      );
    }
    return (count - 1) / seconds;
  } finally {
    await client.stop();
  }
}
