import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { errorMessage, silentLogger } from "@imessage-channel/kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CatchupError } from "./catchup-error.ts";
import { cursorFilePath, databaseIdentityHash } from "./cursor-file-path.ts";
import { CursorStore } from "./cursor-store.ts";
import { positionAfter } from "./row-position.ts";

const identity = { transport: "ssh", remoteHost: "messages-mac", dbPath: "~/Library/Messages/chat.db" };
let stateDir: string;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "catchup-cursor-"));
});

afterEach(() => {
  rmSync(stateDir, { recursive: true, force: true });
});

function onDisk(): Record<string, unknown> {
  return JSON.parse(readFileSync(cursorFilePath(stateDir, "default", identity), "utf8"));
}

const open = (now = () => 1_000) => CursorStore.open({ stateDir, accountId: "default", identity, now });

describe("cursor file", () => {
  it("lives at <stateDir>/imessage/catchup/<account>__<hash>.json with exactly the reference's keys", async () => {
    const store = await open(() => 1717900801234);
    await store.advance({ lastSeenRowid: 482910, lastSeenMs: 1717900800000 });
    await store.recordFailure("GUID-1");
    expect(store.path).toBe(join(stateDir, "imessage", "catchup", `default__${databaseIdentityHash(identity)}.json`));
    expect(onDisk()).toEqual({
      lastSeenMs: 1717900800000,
      lastSeenRowid: 482910,
      updatedAt: 1717900801234,
      failureRetries: { "GUID-1": 1 },
    });
    expect(readdirSync(dirname(store.path))).toEqual([`default__${databaseIdentityHash(identity)}.json`]);
  });

  it("uses another cursor when the account points at another Mac or database", () => {
    const hash = databaseIdentityHash(identity);
    expect(databaseIdentityHash({ ...identity })).toBe(hash);
    expect(databaseIdentityHash({ ...identity, remoteHost: "other-mac" })).not.toBe(hash);
    expect(databaseIdentityHash({ ...identity, dbPath: "/tmp/chat.db" })).not.toBe(hash);
    expect(databaseIdentityHash({ ...identity, transport: "local" })).not.toBe(hash);
    expect(databaseIdentityHash({ cliPath: "/usr/local/bin/imsg" })).not.toBe(
      databaseIdentityHash({ cliPath: "imsg" }),
    );
    expect(cursorFilePath("/state", "team/ops", identity)).toBe(`/state/imessage/catchup/team_ops__${hash}.json`);
  });

  it("reads back what it wrote after a restart", async () => {
    const first = await open();
    await first.advance(
      positionAfter({ id: 7, guid: "G", chatId: 1, isFromMe: false, createdAt: "2026-05-01T12:00:00.000Z" }),
    );
    await first.recordFailure("G2");
    await first.recordFailure("G2");
    const second = await open();
    expect(second.position).toEqual({ lastSeenRowid: 7, lastSeenMs: Date.parse("2026-05-01T12:00:00.000Z") });
    expect(second.failureCount("G2")).toBe(2);
    await second.clearFailures("G2");
    expect(onDisk().failureRetries).toEqual({});
  });

  it("never moves backwards", async () => {
    const store = await open();
    await store.advance({ lastSeenRowid: 10, lastSeenMs: 500 });
    await store.advance({ lastSeenRowid: 4, lastSeenMs: 200 });
    expect(onDisk()).toMatchObject({ lastSeenRowid: 10, lastSeenMs: 500 });
  });

  it("keeps live advances from passing rows a pass still holds open, until the pass settles them", async () => {
    const store = await open();
    await store.initialize({ lastSeenRowid: 3, lastSeenMs: 300 });
    // A pass replays rows 4, 5 and 6: all open before the first is dispatched.
    store.begin(4, "live", { lastSeenRowid: 4, lastSeenMs: 400 });
    store.begin(5, "live", { lastSeenRowid: 5, lastSeenMs: 500 });
    store.begin(6, "live", { lastSeenRowid: 6, lastSeenMs: 600 });
    await store.advance({ lastSeenRowid: 9, lastSeenMs: 900 });
    expect(onDisk()).toMatchObject({ lastSeenRowid: 3, lastSeenMs: 300 });
    await store.settle(5);
    expect(onDisk()).toMatchObject({ lastSeenRowid: 3, lastSeenMs: 300 });
    await store.settle(4);
    expect(onDisk()).toMatchObject({ lastSeenRowid: 5, lastSeenMs: 500 });
    await store.settle(6);
    expect(onDisk()).toMatchObject({ lastSeenRowid: 9, lastSeenMs: 900 });
  });

  it("never passes a row the pass holds open, even when the live path settles the same row", async () => {
    const store = await open();
    await store.initialize({ lastSeenRowid: 3, lastSeenMs: 300 });
    store.begin(4, "live", { lastSeenRowid: 4, lastSeenMs: 400 });
    // The live path hands row 4 off (say its journal write failed and it was dropped); the pass's dispatch failed.
    await store.advance({ lastSeenRowid: 4, lastSeenMs: 400 });
    await store.advance({ lastSeenRowid: 9, lastSeenMs: 900 });
    expect(onDisk()).toMatchObject({ lastSeenRowid: 3, lastSeenMs: 300 });
  });

  it("writes a burst of moves once per write window, the first at once; flush() writes the waiting one now", async () => {
    let clock = 0;
    const store = await CursorStore.open({
      stateDir,
      accountId: "default",
      identity,
      now: () => ++clock,
      writeIntervalMilliseconds: 60_000,
    });
    await store.advance({ lastSeenRowid: 1, lastSeenMs: 100 });
    expect(onDisk()).toMatchObject({ lastSeenRowid: 1, updatedAt: 1 });
    const moves: Promise<void>[] = [];
    for (let rowid = 2; rowid <= 50; rowid += 1)
      moves.push(store.advance({ lastSeenRowid: rowid, lastSeenMs: rowid * 100 }));
    // Within the window nothing more is written; the file still says the first move.
    await new Promise((resolve) => setImmediate(resolve));
    expect(onDisk()).toMatchObject({ lastSeenRowid: 1, updatedAt: 1 });
    await store.flush();
    await Promise.all(moves);
    // 49 moves, one write.
    expect(onDisk()).toMatchObject({ lastSeenRowid: 50, lastSeenMs: 5000, updatedAt: 2 });
    expect(store.position).toEqual({ lastSeenRowid: 50, lastSeenMs: 5000 });
  });

  it("treats a file with the wrong shape as corrupt", async () => {
    const path = cursorFilePath(stateDir, "default", identity);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify({ lastSeenRowid: "12", lastSeenMs: 1, updatedAt: 1, failureRetries: {} }));
    const warnings: string[] = [];
    const store = await CursorStore.open({
      stateDir,
      accountId: "default",
      identity,
      logger: { ...silentLogger, warn: (_fields, line) => warnings.push(line) },
    });
    expect(store.position).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(readdirSync(dirname(path)).filter((name) => name.includes(".corrupt-"))).toHaveLength(1);
  });

  it("fails with an actionable error when the cursor file cannot be read", async () => {
    mkdirSync(cursorFilePath(stateDir, "default", identity), { recursive: true });
    const error = await open().catch((thrown: unknown) => thrown);
    expect(CatchupError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "CURSOR_UNREADABLE" });
    expect(errorMessage(error)).toMatch(/cannot read cursor file .*; fix its permissions or remove it/);
  });
});
