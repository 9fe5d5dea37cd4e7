import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccountStatusReporter, statusFilePath } from "@imessage-channel/channel";
import { describe, expect, it } from "vitest";
import { startMetricsServer } from "./metrics-server.ts";

describe("status file and metrics", () => {
  it("writes the account status file and serves /healthz and /metrics on loopback", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "status-"));
    const reporter = new AccountStatusReporter({ stateDir, accountId: "default" });
    reporter.count("received", 3);
    reporter.count("dispatched", 2);
    reporter.drop("stale");
    reporter.setState("connected");
    await reporter.flush();
    const onDisk = JSON.parse(await readFile(statusFilePath(stateDir, "default"), "utf8"));
    expect(onDisk).toMatchObject({
      accountId: "default",
      state: "connected",
      counters: { received: 3, dispatched: 2, dropped: { stale: 1 } },
    });

    const server = await startMetricsServer(0, () => [reporter.snapshot]);
    try {
      const health = await fetch(`http://127.0.0.1:${server.port}/healthz`);
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
      expect(metrics).toContain('imessage_channel_received_total{account="default"} 3');
      expect(metrics).toContain('imessage_channel_dropped_total{account="default",reason="stale"} 1');
      reporter.setState("reconnecting", "imsg exited");
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(503);
    } finally {
      await server.close();
      await reporter.stop();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
