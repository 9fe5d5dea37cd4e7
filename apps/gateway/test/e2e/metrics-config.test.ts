// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { GatewayHarness } from "../test-support/gateway-harness.ts";

let harness: GatewayHarness | undefined;
afterEach(async () => {
  await harness?.stop();
  await harness?.dispose();
  harness = undefined;
});

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("gateway end to end: metrics.port", () => {
  it("serves /healthz and /metrics on metrics.port with no flag; --metrics-port wins over it", async () => {
    const port = await freePort();
    harness = await GatewayHarness.create({ config: { metrics: { port } } });
    await harness.start();
    await harness.waitForLog(new RegExp(`metrics on http://127\\.0\\.0\\.1:${port}/metrics`));
    const health = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) });
    expect(health.status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(5_000) });
    expect(await metrics.text()).toContain('imessage_channel_connected{account="default"} 1');
    expect(await harness.stop()).toBe(0);

    const mark = harness.logs.length;
    await harness.start(["--metrics-port", "0"]);
    const line = await harness.waitForLog(/metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/, 10_000, mark);
    expect(line).not.toContain(`:${port}/`);
  });
});
