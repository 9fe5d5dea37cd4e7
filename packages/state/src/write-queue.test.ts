import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InboundJournal } from "./inbound-journal.ts";
import { openDatabase } from "./sqlite-database.ts";
import { stateDatabasePath } from "./state-dir.ts";
import { StateError } from "./state-error.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createTemporaryStateDir } from "./test-support/temporary-state.ts";
import { WriteQueue, type WriteQueueOptions } from "./write-queue.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
const closers: Array<() => void> = [];

beforeEach(() => {
  temporary = createTemporaryStateDir();
});

afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
  temporary.remove();
});

function openStore(busyTimeoutMilliseconds?: number): StateStore {
  const store = openStateStore({ stateDir: temporary.stateDir, busyTimeoutMilliseconds });
  closers.push(() => store.close());
  return store;
}

/** Another process's connection holding state.db's write lock (`BEGIN IMMEDIATE`) until `release`. */
function holdWriteLock(path: string): { release: () => void } {
  const other = new DatabaseSync(path);
  other.exec("BEGIN IMMEDIATE");
  const release = () => {
    if (!other.isOpen) return;
    if (other.isTransaction) other.exec("ROLLBACK");
    other.close();
  };
  closers.push(release);
  return { release };
}

/** Timers that fire only when told to, recording each delay asked for. */
function manualTimers(): { timers: NonNullable<WriteQueueOptions["timers"]>; delays: number[]; fire: () => void } {
  let pending: (() => void) | undefined;
  const delays: number[] = [];
  return {
    delays,
    timers: {
      setTimeout: (callback, milliseconds) => {
        delays.push(milliseconds);
        pending = callback;
        return delays.length;
      },
      clearTimeout: () => {
        pending = undefined;
      },
    },
    fire: () => {
      const callback = pending;
      pending = undefined;
      if (!callback) throw new Error("no retry is scheduled");
      callback();
    },
  };
}

const claim = (store: StateStore, guid: string, rowid: number) => () =>
  store.inbound.claim(guid, { accountId: "default", rowid });

describe("a short busy timeout", () => {
  it("gives up on another process's write lock within the timeout and says why, instead of waiting 10 s", () => {
    const store = openStore(50);
    const lock = holdWriteLock(store.path);
    const started = performance.now();
    let failure: unknown;
    try {
      store.inbound.claim("guid-1", { accountId: "default", rowid: 1 });
    } catch (error) {
      failure = error;
    }
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(StateError.isInstance(failure) && failure.code).toBe("STATE_DB_NOT_WRITABLE");
    expect((failure as StateError).reason).toBe("database is locked");
    expect((failure as StateError).message).toMatch(/^state\.db not writable \(database is locked\)/);
    expect(store.inbound.stateOf("guid-1")).toBeUndefined();

    lock.release();
    expect(store.inbound.claim("guid-1", { accountId: "default", rowid: 1 })).toBe("claimed");
  });
});

describe("WriteQueue", () => {
  it("keeps writes in order while state.db is locked, retries with bounded backoff, and writes them all once it is free", async () => {
    const store = openStore(20);
    const lock = holdWriteLock(store.path);
    const { timers, delays, fire } = manualTimers();
    const events: string[] = [];
    const queue = new WriteQueue({
      timers,
      initialDelayMilliseconds: 250,
      maxDelayMilliseconds: 1_000,
      onBlocked: (reason) => events.push(`blocked: ${reason}`),
      onRecovered: () => events.push("recovered"),
    });

    const first = queue.run(claim(store, "guid-1", 1));
    const second = queue.run(claim(store, "guid-2", 2));
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBeInstanceOf(Promise);
    expect(queue.waiting).toBe(2);
    expect(queue.blockedReason).toBe("database is locked");
    for (let retry = 0; retry < 3; retry += 1) fire();
    expect(delays).toEqual([250, 500, 1_000, 1_000]);
    expect(store.inbound.stateOf("guid-1")).toBeUndefined();

    lock.release();
    const order: string[] = [];
    void Promise.resolve(first).then(() => order.push("guid-1"));
    void Promise.resolve(second).then(() => order.push("guid-2"));
    fire();
    expect(await first).toBe("claimed");
    expect(await second).toBe("claimed");
    expect(order).toEqual(["guid-1", "guid-2"]);
    expect(store.inbound.stateOf("guid-2")).toBe("claimed");
    expect(events).toEqual(["blocked: database is locked", "recovered"]);
    expect(queue.blockedReason).toBeUndefined();
    // Writable again: the next write runs at once, with its result in hand.
    expect(queue.run(claim(store, "guid-3", 3))).toBe("claimed");
  });

  it("waits out a full state.db (SQLITE_FULL) and writes once there is room", async () => {
    const path = stateDatabasePath(temporary.stateDir);
    const { database } = openDatabase(path, Date.now());
    closers.push(() => database.close());
    const journal = new InboundJournal(database, { now: () => Date.now() });
    const pages = (database.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    // SQLite's own size limit on this connection: the file may not grow, as on a full disk.
    database.exec(`PRAGMA max_page_count = ${pages}`);
    const { timers, fire } = manualTimers();
    const queue = new WriteQueue({ timers });

    const results: Array<string | Promise<string>> = [];
    for (let index = 0; index < 2_000 && queue.waiting === 0; index += 1) {
      results.push(queue.run(() => journal.claim(`guid-${index}`, { accountId: "default", rowid: index })));
    }
    expect(queue.blockedReason).toBe("database or disk is full");
    const waiting = results.at(-1);
    expect(waiting).toBeInstanceOf(Promise);
    fire();
    expect(queue.waiting).toBe(1);

    database.exec("PRAGMA max_page_count = 1073741823");
    fire();
    expect(await waiting).toBe("claimed");
    expect(journal.stateOf(`guid-${results.length - 1}`)).toBe("claimed");
    expect(queue.blockedReason).toBeUndefined();
  });

  it("throws any other error at once, without queueing or retrying it", () => {
    const { timers, delays } = manualTimers();
    const queue = new WriteQueue({ timers });
    expect(() =>
      queue.run(() => {
        throw new TypeError("a bug, not a busy database");
      }),
    ).toThrow(TypeError);
    expect(queue.waiting).toBe(0);
    expect(delays).toEqual([]);
  });

  it("rejects what still waits when closed: it never reached state.db", async () => {
    const store = openStore(20);
    holdWriteLock(store.path);
    const { timers } = manualTimers();
    const queue = new WriteQueue({ timers });
    const waiting = queue.run(claim(store, "guid-1", 1));
    queue.close();
    await expect(waiting).rejects.toMatchObject({ code: "STATE_DB_NOT_WRITABLE", reason: "database is locked" });
    expect(store.inbound.stateOf("guid-1")).toBeUndefined();
  });
});
