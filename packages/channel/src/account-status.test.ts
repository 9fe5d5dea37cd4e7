import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStateStore, type StateStore } from "@imessage-channel/state";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AccountStatusReporter, statusFilePath } from "./account-status.ts";

let stateDir: string;
let state: StateStore;

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "account-status-"));
  state = openStateStore({ stateDir });
});

afterEach(async () => {
  state.close();
  await rm(stateDir, { recursive: true, force: true });
});

const chat = { chatId: 7, isGroup: false };
const text = (preview: string) => ({ kind: "text" as const, call: { method: "send", params: {} }, preview });
const written = async (accountId = "default") =>
  JSON.parse(await readFile(statusFilePath(stateDir, accountId), "utf8")) as { outbox: Record<string, number> };

describe("account status: the outbox counts", () => {
  it("writes the account's own part counts with each status write, read from state.db at that moment", async () => {
    const reporter = new AccountStatusReporter({
      stateDir,
      accountId: "default",
      outboxCounts: () => state.parts.counts("default"),
    });
    const [first, second] = state.parts.plan({ id: "reply:g1", accountId: "default", origin: "reply", chat }, [
      text("one"),
      text("two"),
    ]);
    state.parts.plan({ id: "reply:g2", accountId: "work", origin: "reply", chat }, [text("not ours")]);
    await reporter.flush();
    expect((await written()).outbox).toMatchObject({ planned: 2, unknown: 0 });

    state.parts.update(first!.id, { state: "sent" });
    state.parts.update(second!.id, { state: "unknown" });
    await reporter.flush();
    expect((await written()).outbox).toEqual({
      planned: 0,
      sending: 0,
      sent: 1,
      delivered: 0,
      failed: 0,
      unknown: 1,
      dropped: 0,
    });
    expect(reporter.snapshot.outbox.unknown).toBe(1);
  });

  it("keeps the last counts when state.db is already closed (the final write at shutdown)", async () => {
    const reporter = new AccountStatusReporter({
      stateDir,
      accountId: "default",
      outboxCounts: () => state.parts.counts("default"),
    });
    const [part] = state.parts.plan({ id: "reply:g1", accountId: "default", origin: "reply", chat }, [text("one")]);
    state.parts.update(part!.id, { state: "failed" });
    await reporter.flush();
    state.close();
    reporter.setState("connected");
    await reporter.stop();
    expect(await written()).toMatchObject({ state: "stopped", outbox: { failed: 1 } });
  });

  it("writes zero counts for every state when no counts are handed in", async () => {
    const reporter = new AccountStatusReporter({ stateDir, accountId: "default" });
    await reporter.flush();
    expect(Object.values((await written()).outbox)).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(Object.keys((await written()).outbox)).toEqual([
      "planned",
      "sending",
      "sent",
      "delivered",
      "failed",
      "unknown",
      "dropped",
    ]);
  });
});

describe("account status: what a reader needs to tell the truth", () => {
  it("writes stopped with the time on a clean stop, and nothing after it overwrites that", async () => {
    let now = Date.parse("2026-01-01T10:00:00Z");
    const reporter = new AccountStatusReporter({ stateDir, accountId: "default", now: () => new Date(now) });
    reporter.setState("connected");
    now += 5_000;
    await reporter.stop();
    reporter.setState("connected");
    reporter.setDegraded("state.db not writable (database is locked)");
    await reporter.flush();
    expect(await written()).toMatchObject({
      state: "stopped",
      stoppedAt: "2026-01-01T10:00:05.000Z",
      pid: process.pid,
    });
  });

  it("keeps the failed try's number and when the next starts while retrying, and drops them once connected", async () => {
    const now = Date.parse("2026-01-01T10:00:00Z");
    const reporter = new AccountStatusReporter({ stateDir, accountId: "default", now: () => new Date(now) });
    reporter.setState("failed", "imsg cannot read the database", { attempt: 5, inMs: 12_000 });
    await reporter.flush();
    expect(await written()).toMatchObject({
      state: "failed",
      retry: { attempt: 5, nextAt: "2026-01-01T10:00:12.000Z" },
    });
    reporter.setState("failed", "imsg cannot read the database", { attempt: 6, inMs: 24_000 });
    expect(reporter.snapshot.retry).toEqual({ attempt: 6, nextAt: "2026-01-01T10:00:24.000Z" });
    reporter.setState("connected");
    await reporter.flush();
    expect(await written()).not.toHaveProperty("retry");
  });
});
