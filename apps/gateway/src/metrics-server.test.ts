import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AccountStatusReporter, statusFilePath } from "@imessage-channel/channel";
import { openStateStore } from "@imessage-channel/state";
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

  it("serves the outbox gauges from state.db: every state per account, and the unknown parts apart", async () => {
    const stateDir = await mkdtemp(join(tmpdir(), "status-"));
    const state = openStateStore({ stateDir });
    const chat = { chatId: 7, isGroup: false };
    const text = (preview: string) => ({ kind: "text" as const, call: { method: "send", params: {} }, preview });
    const [sent, unknown, failed] = state.parts.plan({ id: "reply:g1", accountId: "default", origin: "reply", chat }, [
      text("one"),
      text("two"),
      text("three"),
      text("four"),
    ]);
    state.parts.plan({ id: "reply:g2", accountId: "work", origin: "reply", chat }, [text("other account")]);
    state.parts.update(sent!.id, { state: "sent" });
    state.parts.update(unknown!.id, { state: "unknown", detail: "timed out" });
    state.parts.update(failed!.id, { state: "failed" });
    const reporter = new AccountStatusReporter({
      stateDir,
      accountId: "default",
      outboxCounts: () => state.parts.counts("default"),
    });
    const server = await startMetricsServer(0, () => [reporter.snapshot]);
    const metrics = async () => (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
    try {
      await reporter.flush();
      const onDisk = JSON.parse(await readFile(statusFilePath(stateDir, "default"), "utf8"));
      expect(onDisk.outbox).toEqual({
        planned: 1,
        sending: 0,
        sent: 1,
        delivered: 0,
        failed: 1,
        unknown: 1,
        dropped: 0,
      });
      const before = await metrics();
      expect(before).toContain("# TYPE imessage_channel_outbox_parts gauge");
      for (const [partState, count] of Object.entries(onDisk.outbox))
        expect(before).toContain(`imessage_channel_outbox_parts{account="default",state="${partState}"} ${count}`);
      expect(before).toContain('imessage_channel_outbox_unknown_parts{account="default"} 1');

      // The operator settles the unknown part: the next status write carries it.
      state.parts.resolve(unknown!.id, "sent");
      await reporter.flush();
      const after = await metrics();
      expect(after).toContain('imessage_channel_outbox_unknown_parts{account="default"} 0');
      expect(after).toContain('imessage_channel_outbox_parts{account="default",state="sent"} 2');
    } finally {
      await server.close();
      await reporter.stop();
      state.close();
      await rm(stateDir, { recursive: true, force: true });
    }
  });
});
