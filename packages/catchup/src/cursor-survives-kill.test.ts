// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cursorFilePath } from "./cursor-file-path.ts";
import { CursorStore } from "./cursor-store.ts";
import { runCatchup } from "./run-catchup.ts";
import { childIdentity, type SimWorld, simWorld, testNowMs, waitUntil } from "./test-support/sim-world.ts";

const childScript = join(import.meta.dirname, "test-support", "catchup-child.ts");
let world: SimWorld | undefined;

afterEach(async () => {
  await world?.close();
});

/** Runs the pass in a child process and SIGKILLs it while it dispatches row number `blockAt` (1-based). */
async function killMidPass(current: SimWorld, blockAt: number, intervalMs?: number): Promise<string[]> {
  const dispatchedLog = join(current.directory, "dispatched.log");
  const child = spawn(
    process.execPath,
    [
      "--conditions=@imessage-channel/source",
      childScript,
      current.dbPath,
      current.stateDir,
      dispatchedLog,
      String(blockAt),
      ...(intervalMs === undefined ? [] : [String(intervalMs)]),
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("close", (_code, signal) => resolve(signal)));
  try {
    await waitUntil(() => existsSync(`${dispatchedLog}.blocked`) || child.exitCode !== null, 20_000);
    expect(stderr).toBe("");
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  return readFileSync(dispatchedLog, "utf8").trim().split("\n");
}

/** The next start's pass, with the journal's dedupe standing in as `isHandled` (rows the child handed off). */
async function nextStart(current: SimWorld, handled: ReadonlySet<string>): Promise<string[]> {
  const client = await current.connect();
  const cursorStore = await CursorStore.open({
    stateDir: current.stateDir,
    accountId: "default",
    identity: childIdentity,
  });
  const replayed: string[] = [];
  await runCatchup({
    imsg: client,
    cursorStore,
    dispatch: async (row) => {
      replayed.push(row.guid);
    },
    isHandled: (guid) => handled.has(guid),
    options: { enabled: true, perRunLimit: 500 },
    now: () => testNowMs,
  });
  return replayed;
}

/** The cursor file as the killed process left it: whole (the reference's four keys), or the test fails. */
function cursorOnDisk(current: SimWorld): { lastSeenRowid: number; lastSeenMs: number } {
  const onDisk = JSON.parse(readFileSync(cursorFilePath(current.stateDir, "default", childIdentity), "utf8"));
  expect(Object.keys(onDisk).sort()).toEqual(["failureRetries", "lastSeenMs", "lastSeenRowid", "updatedAt"]);
  return onDisk;
}

describe("cursor durability", () => {
  it("survives a SIGKILL of the process running the pass: the next pass replays exactly the undispatched rows", async () => {
    world = simWorld();
    const guids: string[] = [];
    for (let index = 1; index <= 6; index += 1) {
      guids.push(world.receive(index % 2 ? "+15555550101" : "+15555550102", `row ${index}`, 20 - index));
    }
    const dispatchedByChild = await killMidPass(world, 4);
    expect(dispatchedByChild).toEqual(guids.slice(0, 3));
    // Writes are coalesced: the file may lag the rows handed off, never pass the one that was not (rowid 4).
    expect(cursorOnDisk(world).lastSeenRowid).toBeLessThanOrEqual(3);
    expect(await nextStart(world, new Set(dispatchedByChild))).toEqual(guids.slice(3));
  });

  it("leaves a whole cursor file when killed with cursor writes in flight, never past an undispatched row", async () => {
    world = simWorld();
    const guids: string[] = [];
    for (let index = 1; index <= 120; index += 1) {
      guids.push(world.receive(index % 2 ? "+15555550101" : "+15555550102", `row ${index}`, 25 - index / 10));
    }
    // A 2 ms write window: dozens of atomic writes (temp file, fsync, rename) race the kill.
    const dispatchedByChild = await killMidPass(world, 100, 2);
    expect(dispatchedByChild).toEqual(guids.slice(0, 99));
    const position = cursorOnDisk(world);
    expect(position.lastSeenRowid).toBeGreaterThan(0);
    expect(position.lastSeenRowid).toBeLessThanOrEqual(99);
    // Every row the child did not hand off is replayed once; none it did is dispatched again.
    expect(await nextStart(world, new Set(dispatchedByChild))).toEqual(guids.slice(99));
  });
});
