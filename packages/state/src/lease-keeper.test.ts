import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AccountLeases } from "./account-lease.ts";
import { type LeaseKeeper as Keeper, LeaseKeeper, type LeaseKeeperOptions, type LeaseLoss } from "./lease-keeper.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualTimers } from "./test-support/manual-timers.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

// ttl 3 s, renew every 1 s, safety margin 600 ms: a lease is believed until (last renew sent) + 2.4 s.
const ttlMs = 3_000;
const safetyMarginMs = 600;

let temporary: ReturnType<typeof createTemporaryStateDir>;
let store: StateStore;
let databaseClock: ReturnType<typeof createManualClock>;
let local: ReturnType<typeof createManualTimers>;
const keepers: Keeper[] = [];

beforeEach(() => {
  temporary = createTemporaryStateDir();
  databaseClock = createManualClock();
  local = createManualTimers();
  store = openStateStore({ stateDir: temporary.stateDir, clock: databaseClock.clock });
});

afterEach(async () => {
  await Promise.all(keepers.splice(0).map((keeper) => keeper.stop()));
  store.close();
  temporary.remove();
});

/** Lets the keeper's awaited lease calls (real SQLite behind a promise) settle. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Moves the local and the database clock together, running the keeper's timers, then lets its calls settle. */
async function elapse(milliseconds: number): Promise<void> {
  databaseClock.advance(milliseconds);
  local.advance(milliseconds);
  await settle();
}

function keeper(overrides: Partial<LeaseKeeperOptions> = {}) {
  const lost: LeaseLoss[] = [];
  const acquired: number[] = [];
  const created = new LeaseKeeper({
    leases: store.leases,
    accountId: "default",
    holder: "host-a:1:aa",
    ttlMs,
    safetyMarginMs,
    clock: local.clock,
    onLost: (loss) => lost.push(loss),
    onAcquired: (token) => acquired.push(token),
    ...overrides,
  });
  keepers.push(created);
  return { keeper: created, lost, acquired };
}

/** The store's leases, with renew answers held back until `answer()` (a slow network or database). */
function withHeldRenews(leases: AccountLeases) {
  const held: Array<() => void> = [];
  return {
    leases: {
      acquire: leases.acquire.bind(leases),
      release: leases.release.bind(leases),
      renew: async (...args: Parameters<AccountLeases["renew"]>) => {
        await new Promise<void>((resolve) => held.push(resolve));
        return leases.renew(...args);
      },
    },
    held: () => held.length,
    answer: () => {
      for (const resolve of held.splice(0)) resolve();
    },
  };
}

describe("LeaseKeeper", () => {
  it("acquires, renews every ttl/3 and stays valid while each renew is confirmed in time", async () => {
    const { keeper: kept, acquired, lost } = keeper();
    await kept.start();
    expect(kept.isValid()).toBe(true);
    expect(acquired).toEqual([1]);
    for (let second = 1; second <= 10; second += 1) {
      await elapse(1_000);
      expect(kept.isValid()).toBe(true);
      // The row itself was renewed at this very time, by the database's (here: the shared) clock.
      expect((await store.leases.current("default"))?.renewedAt).toBe(databaseClock.clock.now());
    }
    expect(kept.token).toBe(1);
    expect(lost).toEqual([]);
  });

  it("reports lost at the safety deadline when no renew is confirmed, before the lease can expire", async () => {
    const slow = withHeldRenews(store.leases);
    const { keeper: kept, lost } = keeper({ leases: slow.leases });
    await kept.start();
    await elapse(1_000); // the first renew is sent, and hangs
    expect(slow.held()).toBe(1);
    await elapse(1_399);
    expect(kept.isValid()).toBe(true);
    expect(lost).toEqual([]);
    await elapse(1); // 2.4 s after the acquire was sent: 600 ms before the database's expiry
    expect(lost).toEqual([{ accountId: "default", token: 1, reason: "deadline" }]);
    expect(kept.isValid()).toBe(false);
    expect((await store.leases.current("default"))?.expired).toBe(false); // it really had not expired yet
  });

  it("does not believe a renew that is confirmed after the safety deadline", async () => {
    const slow = withHeldRenews(store.leases);
    const { keeper: kept, lost } = keeper({ leases: slow.leases });
    await kept.start();
    await elapse(1_000);
    await elapse(1_500); // past the deadline (2.4 s) with the renew still unanswered
    expect(lost).toHaveLength(1);
    slow.answer(); // the database renews it now and says yes
    await settle();
    expect(await store.leases.current("default")).toMatchObject({ holder: "host-a:1:aa", expired: false });
    expect(kept.isValid()).toBe(false);
    expect(kept.token).toBeUndefined();
    expect(lost).toHaveLength(1);
  });

  it("reports invalid at once when asked after a pause in which no timer ran", async () => {
    const { keeper: kept, lost } = keeper();
    await kept.start();
    local.skip(2_400); // SIGSTOP for 2.4 s, then SIGCONT: the first question comes before any timer
    expect(kept.isValid()).toBe(false);
    expect(lost).toEqual([{ accountId: "default", token: 1, reason: "deadline" }]);
  });

  it("reports lost when the renew is refused because another gateway took over", async () => {
    const { keeper: kept, lost } = keeper();
    await kept.start();
    databaseClock.advance(ttlMs + 1); // the database's clock ran ahead: the lease expired there
    expect(await store.leases.acquire("default", "host-b:2:bb", 60_000)).toMatchObject({ acquired: true, token: 2 });
    local.advance(1_000);
    await settle();
    expect(lost).toEqual([{ accountId: "default", token: 1, reason: "renew-refused" }]);
    expect(kept.isValid()).toBe(false);
  });

  it("waits as a standby while another gateway holds the lease, and takes it once the owner stops", async () => {
    const owner = keeper();
    await owner.keeper.start();
    const standby = keeper({ holder: "host-b:2:bb" });
    await standby.keeper.start();
    expect(standby.keeper.isValid()).toBe(false);
    await elapse(1_000);
    expect(standby.acquired).toEqual([]);

    await owner.keeper.stop(); // releases: the standby needs no expiry
    await elapse(1_000);
    expect(standby.acquired).toEqual([2]);
    expect(standby.keeper.isValid()).toBe(true);
    expect(await store.leases.current("default")).toMatchObject({ holder: "host-b:2:bb", token: 2 });
  });

  it("refuses a safety margin that leaves no time for a renew", () => {
    expect(() => keeper({ safetyMarginMs: 2_000 })).toThrow(
      "safetyMarginMs: 2000 must be >= 0 and below ttlMs − ttlMs/3 (2000)",
    );
  });
});
