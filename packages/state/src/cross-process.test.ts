// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import type { ChildProcess } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStateStore, type StateStore } from "./state-store.ts";
import { firstLine, runWorker, startWorker, waitForExit } from "./test-support/child-process.ts";
import { createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
const children: ChildProcess[] = [];
const stores: StateStore[] = [];

beforeEach(() => {
  temporary = createTemporaryStateDir();
});

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  for (const store of stores.splice(0)) store.close();
  temporary.remove();
});

function open(): StateStore {
  const store = openStateStore({ stateDir: temporary.stateDir });
  stores.push(store);
  return store;
}

describe("two processes sharing state.db", () => {
  it("lose no pairing request, approval, claim or short id when both write at once", async () => {
    const operations = 50;
    const [first, second] = await Promise.all([
      runWorker(["churn", temporary.stateDir, "alpha", String(operations), "2", "ascending"]),
      runWorker(["churn", temporary.stateDir, "beta", String(operations), "2", "descending"]),
    ]);
    expect(first.stderr).toBe("");
    expect(second.stderr).toBe("");
    expect([first.exitCode, second.exitCode]).toEqual([0, 0]);

    const store = open();
    const approved = store.pairing.listApproved();
    expect(approved).toHaveLength(2 * operations);
    expect(new Set(approved.map((approval) => approval.accountId)).size).toBe(2 * operations);
    expect(store.pairing.listPending()).toEqual([]);

    // Both claimed the same 50 guids: each was claimed by exactly one of them, and all are committed.
    const results = [first, second].map(
      (run) =>
        JSON.parse(run.stdout) as { claimed: string[]; shortIds: string[]; startedAt: number; finishedAt: number },
    );
    const [alpha, beta] = results as [(typeof results)[0], (typeof results)[0]];
    // The two runs overlapped in time, so their transactions really contended.
    expect(alpha.startedAt < beta.finishedAt && beta.startedAt < alpha.finishedAt).toBe(true);
    const claimed = results.flatMap((result) => result.claimed);
    expect(claimed).toHaveLength(operations);
    expect(new Set(claimed).size).toBe(operations);
    for (let index = 0; index < operations; index += 1) {
      expect(store.inbound.stateOf(`shared-guid-${index}`)).toBe("committed");
    }
    expect(store.inbound.maxCommittedRowid("shared")).toBe(operations);

    const shortIds = results.flatMap((result) => result.shortIds).map(Number);
    expect(new Set(shortIds).size).toBe(2 * operations);
    expect(Math.max(...shortIds)).toBe(2 * operations);
  });

  it("give each free account lease to exactly one of three processes racing for it", async () => {
    const accounts = 40;
    const runs = await Promise.all(
      ["alpha", "beta", "gamma"].map((name) =>
        runWorker(["acquire-leases", temporary.stateDir, name, String(accounts), "3"]),
      ),
    );
    for (const run of runs) expect([run.exitCode, run.stderr]).toEqual([0, ""]);
    const won = runs.flatMap((run) => (JSON.parse(run.stdout) as { won: string[] }).won);
    expect(won.toSorted()).toEqual(Array.from({ length: accounts }, (_, index) => `race-${index}`).toSorted());
    const leases = await open().leases.list();
    expect(leases).toHaveLength(accounts);
    expect(leases.every((lease) => lease.token === 1 && !lease.expired)).toBe(true);
  });

  it("releases a claim left by a process killed between claim and commit, for the next opener", async () => {
    const gateway = open();
    const child = startWorker(["claim-and-hang", temporary.stateDir, "guid-killed"]);
    children.push(child);
    expect(await firstLine(child)).toBe("claimed");
    const exited = waitForExit(child);
    // While the owner lives, its claim holds.
    expect(gateway.inbound.claim("guid-killed", { accountId: "default", rowid: 7 })).toBe("in-flight");

    child.kill("SIGKILL");
    expect((await exited).signal).toBe("SIGKILL");
    expect(gateway.inbound.stateOf("guid-killed")).toBe("claimed");

    const restarted = open();
    expect(restarted.inbound.stateOf("guid-killed")).toBe("released");
    expect(restarted.inbound.claim("guid-killed", { accountId: "default", rowid: 7 })).toBe("claimed");
    restarted.inbound.commit("guid-killed");
    expect(gateway.inbound.claim("guid-killed", { accountId: "default", rowid: 7 })).toBe("duplicate");
  });

  it("keeps every commit of a process killed right after it (synchronous = NORMAL, before any durability tick)", async () => {
    const run = await runWorker(["commit-and-die", temporary.stateDir, "200"]);
    expect(run.signal).toBe("SIGKILL");
    expect(run.stderr).toBe("");
    const store = open();
    for (let index = 0; index < 200; index += 1) expect(store.inbound.stateOf(`died-guid-${index}`)).toBe("committed");
    expect(store.inbound.maxCommittedRowid("default")).toBe(200);
  });

  it("lets an already-open reader claim a dead owner's guid without reopening", async () => {
    const gateway = open();
    const child = startWorker(["claim-and-hang", temporary.stateDir, "guid-orphan"]);
    children.push(child);
    expect(await firstLine(child)).toBe("claimed");
    const exited = waitForExit(child);
    child.kill("SIGKILL");
    await exited;
    expect(gateway.inbound.claim("guid-orphan", { accountId: "default", rowid: 7 })).toBe("claimed");
  });

  it("shows a running gateway an approval made by the CLI, without reopening", async () => {
    const gateway = open();
    const request = gateway.pairing.requestPairing({ accountId: "default", sender: "+15555550123", chatId: 42 });
    if (!("code" in request)) throw new Error("expected a pairing code");
    expect(gateway.pairing.isApproved("default", "+15555550123")).toBe(false);

    const cli = await runWorker(["approve", temporary.stateDir, request.code.toLowerCase()]);
    expect(cli.stderr).toBe("");
    expect(cli.exitCode).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ code: request.code, sender: "+15555550123", chatId: "42" });

    expect(gateway.pairing.isApproved("default", "+15555550123")).toBe(true);
    expect(gateway.pairing.listPending()).toEqual([]);
  });
});
