import { afterAll, afterEach, describe, expect, it } from "vitest";
import { LeaseLostError } from "./lease-lost-error.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { describeAccountLeaseContract } from "./test-support/lease-contract.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

// Gateways on one host: every connection opens the same state.db and reads the same (here: manual) clock.
const shared = createTemporaryStateDir();
const sharedClock = createManualClock();
const stores: StateStore[] = [];

function open(): StateStore {
  const store = openStateStore({ stateDir: shared.stateDir, clock: sharedClock.clock });
  stores.push(store);
  return store;
}

afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

afterAll(() => {
  shared.remove();
});

describeAccountLeaseContract("SQLite (state.db)", {
  open: async () => open().leases,
  expire: async () => sharedClock.advance(1_001),
  shortTtlMs: 1_000,
});

describe("the SQLite account lease inside the store's transactions", () => {
  it("fence() inside store.transaction commits the writes beside it, and a lost token rolls them back", async () => {
    const store = open();
    const token = (await store.leases.acquire("fenced", "host-a:1:aa", 1_000)) as { token: number };
    store.transaction(() => {
      store.leases.fence("fenced", token.token);
      store.meta.setMeta("fenced-write", "kept");
    });
    expect(store.meta.getMeta("fenced-write")).toBe("kept");

    sharedClock.advance(1_001);
    await store.leases.acquire("fenced", "host-b:2:bb", 60_000);
    expect(() =>
      store.transaction(() => {
        store.meta.setMeta("fenced-write", "after takeover");
        store.leases.fence("fenced", token.token);
      }),
    ).toThrow(LeaseLostError);
    expect(store.meta.getMeta("fenced-write")).toBe("kept");
  });

  it("refuses fence() outside a transaction, where it would guard nothing", async () => {
    const store = open();
    const { token } = (await store.leases.acquire("outside", "host-a:1:aa", 60_000)) as { token: number };
    expect(() => store.leases.fence("outside", token)).toThrow(
      "fence() must run inside the write transaction it guards (store.transaction)",
    );
  });

  it("refuses asynchronous fenced work and commits none of it", async () => {
    const store = open();
    const { token } = (await store.leases.acquire("async-work", "host-a:1:aa", 60_000)) as { token: number };
    await expect(
      store.leases.withFencedTransaction("async-work", token, async (database) => {
        database.prepare("INSERT INTO meta (key, value, updated_at) VALUES ('async', 'x', 0)").run();
      }),
    ).rejects.toThrow(/work returned a promise; it must be synchronous/);
    expect(store.meta.getMeta("async")).toBeUndefined();
  });
});
