import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
let time: ReturnType<typeof createManualClock>;
let store: StateStore;
const lease = 60_000;

beforeEach(() => {
  temporary = createTemporaryStateDir();
  time = createManualClock();
  store = openStateStore({
    stateDir: temporary.stateDir,
    clock: time.clock,
    inbound: { claimLeaseMilliseconds: lease, retentionMilliseconds: 3_600_000, maxEntries: 5 },
  });
});

afterEach(() => {
  store.close();
  temporary.remove();
});

describe("inbound journal", () => {
  it("claims a new guid once; a second claim while in flight is told so", () => {
    expect(store.inbound.claim("guid-1", { accountId: "default", rowid: 10 })).toBe("claimed");
    expect(store.inbound.claim("guid-1", { accountId: "default", rowid: 10 })).toBe("in-flight");
    expect(store.inbound.stateOf("guid-1")).toBe("claimed");
  });

  it("never hands out a committed guid again, also after a restart", () => {
    store.inbound.claim("guid-1", { accountId: "default", rowid: 10 });
    store.inbound.commit("guid-1");
    expect(store.inbound.claim("guid-1", { accountId: "default", rowid: 10 })).toBe("duplicate");
    store.close();
    store = openStateStore({ stateDir: temporary.stateDir, clock: time.clock });
    expect(store.inbound.claim("guid-1", { accountId: "default", rowid: 10 })).toBe("duplicate");
    // A late release of a delivered guid must not reopen it.
    store.inbound.release("guid-1");
    expect(store.inbound.claim("guid-1", { accountId: "default" })).toBe("duplicate");
  });

  it("lets a released guid be claimed again, so a failed delivery is retried", () => {
    store.inbound.claim("guid-1", { accountId: "default", rowid: 10 });
    store.inbound.release("guid-1");
    expect(store.inbound.stateOf("guid-1")).toBe("released");
    expect(store.inbound.claim("guid-1", { accountId: "default", rowid: 10 })).toBe("claimed");
    store.inbound.commit("guid-1");
    expect(store.inbound.claim("guid-1", { accountId: "default", rowid: 10 })).toBe("duplicate");
  });

  it("treats a claim older than the lease as released", () => {
    store.inbound.claim("guid-1", { accountId: "default", rowid: 10 });
    time.advance(lease - 1);
    expect(store.inbound.claim("guid-1", { accountId: "default", rowid: 10 })).toBe("in-flight");
    time.advance(1);
    expect(store.inbound.claim("guid-1", { accountId: "default", rowid: 10 })).toBe("claimed");
  });

  it("keeps the highest committed rowid per account, never moving it back", () => {
    expect(store.inbound.maxCommittedRowid("default")).toBeUndefined();
    for (const [guid, rowid] of [
      ["guid-a", 12],
      ["guid-b", 30],
      ["guid-c", 20],
    ] as const) {
      store.inbound.claim(guid, { accountId: "default", rowid });
      store.inbound.commit(guid);
    }
    store.inbound.claim("guid-d", { accountId: "default", rowid: 99 });
    store.inbound.release("guid-d");
    store.inbound.claim("guid-w", { accountId: "work", rowid: 5 });
    store.inbound.commit("guid-w");
    expect(store.inbound.maxCommittedRowid("default")).toBe(30);
    expect(store.inbound.maxCommittedRowid("work")).toBe(5);
  });

  it("prunes settled entries by age and by count, but not live claims", () => {
    store.inbound.claim("old", { accountId: "default", rowid: 1 });
    store.inbound.commit("old");
    store.inbound.claim("live", { accountId: "default", rowid: 2 });
    time.advance(3_600_001);
    store.inbound.claim("live", { accountId: "default", rowid: 2 });
    expect(store.inbound.prune()).toBe(1);
    expect(store.inbound.stateOf("old")).toBeUndefined();
    expect(store.inbound.stateOf("live")).toBe("claimed");

    for (let index = 0; index < 7; index += 1) {
      time.advance(1);
      store.inbound.claim(`guid-${index}`, { accountId: "default", rowid: 10 + index });
      store.inbound.commit(`guid-${index}`);
    }
    expect(store.inbound.prune()).toBe(2);
    expect(store.inbound.stateOf("guid-0")).toBeUndefined();
    expect(store.inbound.stateOf("guid-1")).toBeUndefined();
    expect(store.inbound.stateOf("guid-2")).toBe("committed");
    expect(store.inbound.stateOf("live")).toBe("claimed");
  });

  it("prunes by itself while running, without waiting for the next open", () => {
    for (let index = 0; index < 256; index += 1) {
      store.inbound.claim(`guid-${index}`, { accountId: "default", rowid: index });
      store.inbound.commit(`guid-${index}`);
    }
    // maxEntries is 5 in this suite: the 256th commit pruned down to it.
    const kept = Array.from({ length: 256 }, (_, index) => store.inbound.stateOf(`guid-${index}`)).filter(Boolean);
    expect(kept).toHaveLength(5);
    expect(store.inbound.stateOf("guid-255")).toBe("committed");
  });
});
