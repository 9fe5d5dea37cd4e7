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
    expect(await written()).toMatchObject({ state: "connected", outbox: { failed: 1 } });
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
