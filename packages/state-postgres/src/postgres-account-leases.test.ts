// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { LeaseKeeper, LeaseLostError } from "@imessage-channel/state";
import { describeAccountLeaseContract } from "@imessage-channel/state/test-support";
import { startTestPostgres, type TestPostgres } from "@imessage-channel/test-postgres";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { openPostgresState, type PostgresState } from "./postgres-state.ts";

let postgres: TestPostgres;
const states: PostgresState[] = [];

beforeAll(async () => {
  postgres = await startTestPostgres({ database: "leases", password: "lease-test-secret" });
}, 60_000);

afterAll(async () => {
  try {
    await Promise.all(states.splice(0).map((state) => state.close()));
  } finally {
    await postgres?.stop();
  }
});

/** The error a promise rejects with; fails the test when it resolves. */
function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error as Error,
  );
}

/** One gateway's connection (its own pool) to the shared database. */
async function openState(url = postgres.url): Promise<PostgresState> {
  const state = await openPostgresState({ url });
  states.push(state);
  return state;
}

describeAccountLeaseContract("PostgreSQL", {
  open: async () => (await openState()).leases,
  // Real time on the database's clock: wait until the database itself says the lease ran out.
  expire: async (leases, accountId) => {
    await vi.waitFor(
      async () => {
        if (!(await leases.current(accountId))?.expired) throw new Error(`lease of ${accountId} not expired yet`);
      },
      { timeout: 10_000, interval: 25 },
    );
  },
  shortTtlMs: 300,
});

describe("the PostgreSQL account lease with real connections", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("a fenced transaction in progress when a takeover comes commits first; the takeover waits for it", async () => {
    const [oldGateway, newGateway, observer] = [await openState(), await openState(), await openState()];
    await observer.pool.query("CREATE TABLE IF NOT EXISTS fenced_writes (account_id text, token bigint, note text)");
    const accountId = "in-progress";
    const old = await oldGateway.leases.acquire(accountId, "host-a:1:aa", 300);
    if (!old.acquired) throw new Error("the old gateway should hold the lease");

    let takeover: Promise<unknown> | undefined;
    await oldGateway.leases.withFencedTransaction(accountId, old.token, async (client) => {
      await client.query("INSERT INTO fenced_writes VALUES ($1, $2, 'old owner, in progress')", [accountId, old.token]);
      // The lease runs out (by the database's clock) while this transaction is still open…
      await vi.waitFor(
        async () => {
          if (!(await observer.leases.current(accountId))?.expired) throw new Error("not expired yet");
        },
        { timeout: 10_000, interval: 25 },
      );
      // …and another gateway takes over: its write of the lease row must wait for this transaction.
      takeover = newGateway.leases.acquire(accountId, "host-b:2:bb", 60_000);
      await vi.waitFor(
        async () => {
          const { rows } = await observer.pool.query(
            "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO account_lease%'",
          );
          if (rows[0]?.waiting !== 1) throw new Error("the takeover is not waiting for the row lock");
        },
        { timeout: 10_000, interval: 25 },
      );
    });
    expect(await takeover).toEqual(expect.objectContaining({ acquired: true, token: old.token + 1 }));

    // The old owner's write committed before the takeover; after it, the old token writes nothing.
    const refused = await oldGateway.leases
      .withFencedTransaction(accountId, old.token, async (client) => {
        await client.query("INSERT INTO fenced_writes VALUES ($1, $2, 'old owner, after takeover')", [
          accountId,
          old.token,
        ]);
      })
      .catch((error: unknown) => error);
    expect(LeaseLostError.isInstance(refused)).toBe(true);
    const { rows } = await observer.pool.query("SELECT note FROM fenced_writes WHERE account_id = $1", [accountId]);
    expect(rows).toEqual([{ note: "old owner, in progress" }]);
  });

  it("a paused fenced transaction blocks a takeover only until the server ends it, and then commits nothing", async () => {
    const paused = await openPostgresState({ url: postgres.url, leases: { fencedIdleTimeoutMs: 300 } });
    states.push(paused);
    const [newGateway, observer] = [await openState(), await openState()];
    await observer.pool.query("CREATE TABLE IF NOT EXISTS fenced_writes (account_id text, token bigint, note text)");
    const accountId = "paused-in-transaction";
    const old = await paused.leases.acquire(accountId, "host-a:1:aa", 300);
    if (!old.acquired) throw new Error("the paused gateway should hold the lease");

    const outcome = await paused.leases
      .withFencedTransaction(accountId, old.token, async (client) => {
        await client.query("INSERT INTO fenced_writes VALUES ($1, $2, 'written before the pause')", [
          accountId,
          old.token,
        ]);
        await vi.waitFor(
          async () => {
            if (!(await observer.leases.current(accountId))?.expired) throw new Error("not expired yet");
          },
          { timeout: 10_000, interval: 25 },
        );
        // Idle inside the transaction (as a SIGSTOPped owner would be) until the takeover has gone through.
        return await newGateway.leases.acquire(accountId, "host-b:2:bb", 60_000);
      })
      .then(
        (takeover) => ({ committed: true, takeover }),
        (error: unknown) => ({ committed: false, error }),
      );
    expect(outcome.committed).toBe(false);
    expect(await newGateway.leases.current(accountId)).toMatchObject({ holder: "host-b:2:bb", token: old.token + 1 });
    const { rows } = await observer.pool.query("SELECT note FROM fenced_writes WHERE account_id = $1", [accountId]);
    expect(rows).toEqual([]);
  });

  it("judges expiry by the database's clock: callers whose clocks are hours off cannot make two owners", async () => {
    const [gatewayA, gatewayB] = [await openState(), await openState()];
    const realNow = () => performance.timeOrigin + performance.now();
    const accountId = "skewed-clocks";
    vi.useFakeTimers({ toFake: ["Date"] });

    vi.setSystemTime(realNow() - 5 * 3_600_000); // host A runs five hours behind
    const granted = await gatewayA.leases.acquire(accountId, "host-a:1:aa", 60_000);
    if (!granted.acquired) throw new Error("host A should get the free lease");
    // The expiry is the database's now + ttl, not host A's.
    expect(Math.abs(granted.expiresAt - (realNow() + 60_000))).toBeLessThan(5_000);

    vi.setSystemTime(realNow() + 5 * 3_600_000); // host B runs five hours ahead: A's lease looks long expired to it
    expect(await gatewayB.leases.acquire(accountId, "host-b:2:bb", 60_000)).toEqual({
      acquired: false,
      holder: "host-a:1:aa",
      expiresAt: granted.expiresAt,
    });
    expect(await gatewayA.leases.renew(accountId, "host-a:1:aa", granted.token, 60_000)).toBe(true);
    expect(await gatewayB.leases.withFencedTransaction(accountId, granted.token, () => "fenced by the database")).toBe(
      "fenced by the database",
    );
    expect(await gatewayB.leases.current(accountId)).toMatchObject({ holder: "host-a:1:aa", expired: false });
  });
});

describe("LeaseKeeper on PostgreSQL, in real time", () => {
  it("an owner cut off from the database reports lost before a standby can take the account over", async () => {
    const [ownerState, standbyState] = [await openState(), await openState()];
    const events: string[] = [];
    const common = { accountId: "failover", ttlMs: 900, onError: () => {} };
    const owner = new LeaseKeeper({
      ...common,
      leases: ownerState.leases,
      holder: "host-a:1:aa",
      onAcquired: (token) => events.push(`owner acquired ${token}`),
      onLost: ({ token, reason }) => events.push(`owner lost ${token} (${reason})`),
    });
    const standby = new LeaseKeeper({
      ...common,
      leases: standbyState.leases,
      holder: "host-b:2:bb",
      onAcquired: (token) => events.push(`standby acquired ${token}`),
    });
    try {
      await owner.start();
      await standby.start();
      expect([owner.isValid(), standby.isValid()]).toEqual([true, false]);
      // A partition: every renew of the owner now fails.
      await ownerState.close();
      await vi.waitFor(
        () => {
          if (!standby.isValid()) throw new Error("the standby does not hold the lease yet");
        },
        { timeout: 10_000, interval: 20 },
      );
      expect(events).toEqual(["owner acquired 1", "owner lost 1 (deadline)", "standby acquired 2"]);
      expect(owner.isValid()).toBe(false);
    } finally {
      await owner.stop();
      await standby.stop();
    }
  });
});

describe("openPostgresState", () => {
  async function freshDatabase(name: string): Promise<string> {
    const admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    return postgres.url.replace(/\/leases$/, `/${name}`);
  }

  it("migrates once when several gateways start against a fresh database at the same moment", async () => {
    const url = await freshDatabase("started_together");
    const opened = await Promise.all([openState(url), openState(url), openState(url), openState(url)]);
    const { rows } = await (opened[0] as PostgresState).pool.query(
      "SELECT version FROM imessage_channel_migrations ORDER BY version",
    );
    expect(rows).toEqual([{ version: 1 }]);
    const leases = await (opened[1] as PostgresState).leases.acquire("default", "host-a:1:aa", 60_000);
    expect(leases).toMatchObject({ acquired: true, token: 1 });
  });

  it("refuses a schema newer than this build, naming the server and the fix", async () => {
    const url = await freshDatabase("from_the_future");
    const first = await openState(url);
    await first.pool.query("INSERT INTO imessage_channel_migrations (version) VALUES (99)");
    await expect(openPostgresState({ url })).rejects.toThrow(
      `state.postgres 127.0.0.1:${postgres.port}/from_the_future: schema version 99 is newer than this build understands (1); upgrade imessage-channel on this host`,
    );
  });

  it("names host:port/database when the login fails, and never the password", async () => {
    const wrong = postgres.url.replace("lease-test-secret", "wrong-secret-9f3a");
    const error = await rejectionOf(openPostgresState({ url: wrong }));
    expect(error).toMatchObject({ code: "POSTGRES_UNAVAILABLE" });
    expect(error.message).toContain(`state.postgres 127.0.0.1:${postgres.port}/leases: password authentication failed`);
    expect(error.message).not.toContain("wrong-secret-9f3a");
    expect(error.message).not.toContain("lease-test-secret");
  });

  it("names host:port/database when nothing listens there", async () => {
    const closedPort = postgres.url.replace(`:${postgres.port}/`, ":1/");
    await expect(openPostgresState({ url: closedPort, connectTimeoutMs: 2_000 })).rejects.toThrow(
      /^state\.postgres 127\.0\.0\.1:1\/leases: connect ECONNREFUSED 127\.0\.0\.1:1; check state\.postgres\.url/,
    );
  });

  it("says the URL is malformed without repeating it", async () => {
    const error = await rejectionOf(openPostgresState({ url: "postgresql://user:hunter2-secret@[::1/db" }));
    expect(error).toMatchObject({ code: "POSTGRES_URL_INVALID" });
    expect(error.message).toBe(
      "state.postgres.url is not a PostgreSQL connection URL: write it as postgresql://user:password@host:5432/database",
    );
  });

  it("hands the ssl settings to pg, overriding the URL's sslmode (this server has TLS off)", async () => {
    const plain = await openState(`${postgres.url}?sslmode=disable`);
    expect((await plain.pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
    await expect(
      openPostgresState({ url: `${postgres.url}?sslmode=disable`, ssl: { rejectUnauthorized: true } }),
    ).rejects.toThrow(new RegExp(`^state\\.postgres 127\\.0\\.0\\.1:${postgres.port}/leases: .*SSL`));
  });
});
