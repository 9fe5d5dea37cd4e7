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

describe("cursor durability", () => {
  it("survives a SIGKILL of the process running the pass: the next pass replays exactly the undispatched rows", async () => {
    world = simWorld();
    const guids: string[] = [];
    for (let index = 1; index <= 6; index += 1) {
      guids.push(world.receive(index % 2 ? "+15555550101" : "+15555550102", `row ${index}`, 20 - index));
    }
    const dispatchedLog = join(world.directory, "dispatched.log");
    const child = spawn(
      process.execPath,
      ["--conditions=@imessage-channel/source", childScript, world.dbPath, world.stateDir, dispatchedLog, "4"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("close", (_code, signal) => resolve(signal)),
    );
    try {
      await waitUntil(() => existsSync(`${dispatchedLog}.blocked`) || child.exitCode !== null, 20_000);
      expect(stderr).toBe("");
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }

    const dispatchedByChild = readFileSync(dispatchedLog, "utf8").trim().split("\n");
    expect(dispatchedByChild).toEqual(guids.slice(0, 3));
    const onDisk = JSON.parse(readFileSync(cursorFilePath(world.stateDir, "default", childIdentity), "utf8"));
    expect(onDisk.lastSeenRowid).toBe(3);

    const client = await world.connect();
    const cursorStore = await CursorStore.open({
      stateDir: world.stateDir,
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
      options: { enabled: true },
      now: () => testNowMs,
    });
    expect(replayed).toEqual(guids.slice(3));
  });
});
