import { statSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  backstopCheckpointPages,
  checkpointAfterChanges,
  checkpointAfterTicks,
  type DurabilityTimers,
  workerIdleTicks,
} from "./durability-tick.ts";
import { stateDatabasePath } from "./state-dir.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
const stores: StateStore[] = [];

beforeEach(() => {
  temporary = createTemporaryStateDir();
});

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  temporary.remove();
});

/** Timers the test runs by hand: the tick's next run waits until `fire()`. */
function handTimers(): DurabilityTimers & { fire(): void; readonly scheduled: boolean; readonly cleared: number } {
  let pending: (() => void) | undefined;
  let cleared = 0;
  return {
    setTimeout: (callback) => {
      pending = callback;
      return 1;
    },
    clearTimeout: () => {
      pending = undefined;
      cleared += 1;
    },
    fire: () => {
      const callback = pending;
      pending = undefined;
      callback?.();
    },
    get scheduled() {
      return pending !== undefined;
    },
    get cleared() {
      return cleared;
    },
  };
}

/** Runs one tick and waits until the next one is scheduled (a sync it started has ended). */
async function tickOnce(timers: ReturnType<typeof handTimers>): Promise<void> {
  await vi.waitFor(() => expect(timers.scheduled).toBe(true));
  timers.fire();
  await vi.waitFor(() => expect(timers.scheduled).toBe(true));
}

function open(timers: DurabilityTimers): StateStore {
  const store = openStateStore({ stateDir: temporary.stateDir, durability: { timers } });
  stores.push(store);
  return store;
}

describe("the durability tick", () => {
  it("fsyncs the WAL after a commit, and not again until the next commit", async () => {
    const timers = handTimers();
    const store = open(timers);
    timers.fire(); // what opening wrote
    await vi.waitFor(() => expect(timers.scheduled).toBe(true));
    const afterOpen = store.durability.syncs;
    expect(afterOpen).toBe(1);

    timers.fire(); // nothing committed since: no fdatasync, the next tick is scheduled at once
    expect(timers.scheduled).toBe(true);
    expect(store.durability.syncs).toBe(afterOpen);

    store.meta.setMeta("cursor", "42");
    timers.fire();
    await vi.waitFor(() => expect(timers.scheduled).toBe(true));
    expect(store.durability.syncs).toBe(afterOpen + 1);
  });

  it("durable() resolves once the commits before it are on disk; callers meanwhile share the fdatasync", async () => {
    const timers = handTimers();
    const store = open(timers);
    await store.durable(); // what opening wrote
    const before = store.durability.syncs;
    await store.durable(); // nothing new: no fdatasync
    expect(store.durability.syncs).toBe(before);

    store.inbound.claim("guid-1", { accountId: "default", rowid: 1 });
    await Promise.all([store.durable(), store.durable(), store.durable()]);
    expect(store.durability.syncs).toBe(before + 1);

    store.inbound.commit("guid-1");
    const first = store.durable();
    store.inbound.claim("guid-2", { accountId: "default", rowid: 2 });
    // Committed after the first sync started: it needs a sync of its own.
    await Promise.all([first, store.durable()]);
    expect(store.durability.syncs).toBe(before + 3);
  });

  it("stops at close, syncing what was committed since the last tick", async () => {
    const timers = handTimers();
    const store = open(timers);
    await store.durable();
    const before = store.durability.syncs;
    store.meta.setMeta("last", "words");
    store.close();
    expect(store.durability.running).toBe(false);
    expect(store.durability.syncs).toBe(before + 1);
    expect(timers.scheduled).toBe(false);
    expect(timers.cleared).toBeGreaterThan(0);
    await expect(store.durable()).resolves.toBeUndefined();

    const reopened = open(handTimers());
    expect(reopened.meta.getMeta("last")).toBe("words");
  });

  it("checkpoints from a worker thread, never inside a commit on the event loop", async () => {
    const timers = handTimers();
    const store = open(timers);
    const walPath = `${stateDatabasePath(temporary.stateDir)}-wal`;
    const page = "x".repeat(4000);
    // About 1,500 pages: SQLite's own checkpoint (at 1000 pages, inside the COMMIT) would have reset the WAL.
    for (let index = 0; index < 1500; index += 1) store.meta.setMeta(`big-${index}`, page);
    expect(statSync(walPath).size).toBeGreaterThan(1400 * 4096);
    expect(store.durability.checkpoints).toBe(0);

    await vi.waitFor(() => expect(timers.scheduled).toBe(true));
    timers.fire(); // well over checkpointAfterChanges: this very tick
    await vi.waitFor(() => expect(store.durability.checkpoints).toBe(1));
    expect(store.durability.checkpointMode).toBe("background");
    // Everything was copied into state.db: the next commits start the WAL over instead of growing it.
    const size = statSync(walPath).size;
    for (let index = 0; index < 200; index += 1) store.meta.setMeta(`small-${index}`, "y");
    expect(statSync(walPath).size).toBe(size);
    store.close();
    const reopened = open(handTimers());
    expect(reopened.meta.getMeta("big-1499")).toBe(page);
  });

  it("starts no thread for a few changes, and checkpoints them once they waited checkpointAfterTicks ticks", async () => {
    const timers = handTimers();
    const store = open(timers);
    for (let index = 0; index < checkpointAfterChanges / 4; index += 1) store.meta.setMeta(`row-${index}`, "v");
    for (let tick = 1; tick < checkpointAfterTicks; tick += 1) await tickOnce(timers);
    expect(store.durability.checkpoints).toBe(0);
    expect(store.durability.checkpointThread).toBe(false);
    await tickOnce(timers);
    await vi.waitFor(() => expect(store.durability.checkpoints).toBe(1));
    expect(store.durability.checkpointThread).toBe(true);
  });

  it("ends the checkpoint thread after workerIdleTicks quiet ticks, and starts another for the next checkpoint", async () => {
    const timers = handTimers();
    const store = open(timers);
    const walPath = `${stateDatabasePath(temporary.stateDir)}-wal`;
    const page = "x".repeat(4000);
    for (let index = 0; index < 600; index += 1) store.meta.setMeta(`big-${index}`, page);
    await tickOnce(timers);
    await vi.waitFor(() => expect(store.durability.checkpoints).toBe(1));
    for (let tick = 1; tick < workerIdleTicks; tick += 1) await tickOnce(timers);
    expect(store.durability.checkpointThread).toBe(true);
    await tickOnce(timers);
    expect(store.durability.checkpointThread).toBe(false);

    // Busy again: a new thread checkpoints, so the WAL starts over instead of growing past what it held.
    const size = statSync(walPath).size;
    for (let index = 0; index < 600; index += 1) store.meta.setMeta(`big-${index}`, page);
    await tickOnce(timers);
    await vi.waitFor(() => expect(store.durability.checkpoints).toBe(2));
    expect(store.durability.checkpointThread).toBe(true);
    for (let index = 0; index < 200; index += 1) store.meta.setMeta(`small-${index}`, "y");
    expect(statSync(walPath).size).toBe(size);
  });

  it("bounds the WAL with SQLite's own checkpoint when no tick runs (an event loop that never yields)", () => {
    const store = open(handTimers()); // never fired: no worker checkpoint ever starts
    const databasePath = stateDatabasePath(temporary.stateDir);
    const page = "x".repeat(4000);
    // A page or more each: well past the backstop, and 4x SQLite's own 1000-page default.
    for (let index = 0; index < backstopCheckpointPages + 2_000; index += 1) store.meta.setMeta(`big-${index}`, page);
    expect(store.durability.checkpoints).toBe(0);
    // A WAL frame is a page plus its 24-byte header; past the backstop SQLite checkpointed and started it over.
    expect(statSync(`${databasePath}-wal`).size).toBeLessThan((backstopCheckpointPages + 64) * (4096 + 24));
    expect(statSync(databasePath).size).toBeGreaterThan((backstopCheckpointPages / 2) * 4096);
  });

  it("commits several stores' writes in one transaction, or none of them", () => {
    const store = open(handTimers());
    expect(() =>
      store.transaction(() => {
        store.meta.setMeta("a", "1");
        store.inbound.claim("guid-t", { accountId: "default", rowid: 3 });
        throw new Error("changed my mind");
      }),
    ).toThrow("changed my mind");
    expect(store.meta.getMeta("a")).toBeUndefined();
    expect(store.inbound.stateOf("guid-t")).toBeUndefined();

    store.transaction(() => {
      store.meta.setMeta("a", "1");
      store.inbound.claim("guid-t", { accountId: "default", rowid: 3 });
    });
    expect(store.meta.getMeta("a")).toBe("1");
    expect(store.inbound.stateOf("guid-t")).toBe("claimed");
  });
});
