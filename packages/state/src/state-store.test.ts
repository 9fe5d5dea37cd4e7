import { closeSync, existsSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { latestSchemaVersion } from "./migrations.ts";
import { resolveStateDir } from "./state-dir.ts";
import { StateError } from "./state-error.ts";
import { openStateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;

beforeEach(() => {
  temporary = createTemporaryStateDir();
});

afterEach(() => {
  temporary.remove();
});

describe("resolveStateDir", () => {
  it("uses $IMESSAGE_CHANNEL_STATE_DIR, else ~/.imessage-channel", () => {
    expect(resolveStateDir({ IMESSAGE_CHANNEL_STATE_DIR: "/srv/state" }, "/home/ada")).toBe("/srv/state");
    expect(resolveStateDir({ IMESSAGE_CHANNEL_STATE_DIR: " " }, "/home/ada")).toBe("/home/ada/.imessage-channel");
    expect(resolveStateDir({}, "/home/ada")).toBe("/home/ada/.imessage-channel");
  });
});

describe("opening the state database", () => {
  it("creates <stateDir>/imessage/state.db in WAL mode, migrated, private to the user", () => {
    const stateDir = join(temporary.stateDir, "fresh");
    const store = openStateStore({ stateDir });
    store.meta.setMeta("written", "yes");
    const path = join(stateDir, "imessage", "state.db");
    expect(store.path).toBe(path);
    expect(store.warnings).toEqual([]);
    expect(statSync(join(stateDir, "imessage")).mode & 0o777).toBe(0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`]) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
    }
    store.close();

    const inspector = new DatabaseSync(path, { readOnly: true });
    expect(inspector.prepare("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(inspector.prepare("PRAGMA user_version").get()).toEqual({ user_version: latestSchemaVersion });
    const tables = (
      inspector.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string;
      }>
    ).map((row) => row.name);
    expect(tables).toEqual([
      "account_lease",
      "acp_bindings",
      "approvals",
      "echo_sent",
      "inbound_cursor",
      "inbound_journal",
      "meta",
      "outbound_part",
      "pairing_requests",
      "reply_cache",
      "reply_counters",
      "reply_outbox",
      "sqlite_sequence",
    ]);
    inspector.close();
  });

  it("keeps data across reopen and does not migrate twice", () => {
    const first = openStateStore({ stateDir: temporary.stateDir });
    first.meta.setMeta("kept", "1");
    first.close();
    const second = openStateStore({ stateDir: temporary.stateDir });
    expect(second.meta.getMeta("kept")).toBe("1");
    second.close();
  });

  it("moves a corrupt database aside with a warning and starts fresh", () => {
    const time = createManualClock(Date.parse("2026-03-04T05:06:07.890Z"));
    const seeded = openStateStore({ stateDir: temporary.stateDir });
    seeded.close();
    const directory = join(temporary.stateDir, "imessage");
    const path = join(directory, "state.db");
    writeFileSync(path, "this is not a sqlite database, just garbage bytes ".repeat(200));
    const warnings: string[] = [];
    const store = openStateStore({
      stateDir: temporary.stateDir,
      clock: time.clock,
      onWarning: (w) => warnings.push(w),
    });
    const asideName = "state.db.corrupt-2026-03-04T05-06-07-890Z";
    expect(warnings).toEqual(store.warnings);
    expect(store.warnings).toHaveLength(1);
    expect(store.warnings[0]).toMatch(
      /state database .*state\.db was unreadable \(file is not a database\); moved it to /,
    );
    expect(store.warnings[0]).toContain(asideName);
    expect(readdirSync(directory)).toContain(asideName);
    expect(statSync(join(directory, asideName)).size).toBeGreaterThan(1000);
    // The fresh database works.
    expect(store.pairing.requestPairing({ accountId: "default", sender: "+15555550123" })).toMatchObject({
      created: true,
    });
    store.close();
    expect(existsSync(path)).toBe(true);
  });

  it("moves aside a database whose pages are damaged behind a valid header", () => {
    const seeded = openStateStore({ stateDir: temporary.stateDir });
    for (let index = 0; index < 200; index += 1) seeded.inbound.commit(`guid-${index}`, { accountId: "default" });
    seeded.close();
    const path = join(temporary.stateDir, "imessage", "state.db");
    const pageSize = 4096;
    const file = openSync(path, "r+");
    writeSync(file, Buffer.alloc(pageSize, 0x5a), 0, pageSize, pageSize);
    closeSync(file);
    const store = openStateStore({ stateDir: temporary.stateDir });
    expect(store.warnings).toHaveLength(1);
    expect(store.warnings[0]).toMatch(/was unreadable \(.+\); moved it to .*state\.db\.corrupt-/);
    expect(store.inbound.stateOf("guid-1")).toBeUndefined();
    store.close();
  });

  it("refuses a database written by a newer schema instead of resetting it", () => {
    const store = openStateStore({ stateDir: temporary.stateDir });
    store.close();
    const path = join(temporary.stateDir, "imessage", "state.db");
    const database = new DatabaseSync(path);
    database.exec(`PRAGMA user_version = ${latestSchemaVersion + 1}`);
    database.close();
    let thrown: unknown;
    try {
      openStateStore({ stateDir: temporary.stateDir });
    } catch (error) {
      thrown = error;
    }
    expect(StateError.isInstance(thrown) && thrown.code).toBe("STATE_SCHEMA_TOO_NEW");
    expect(readdirSync(join(temporary.stateDir, "imessage")).filter((name) => name.includes("corrupt"))).toEqual([]);
  });

  it("closes through `using`", () => {
    let path = "";
    {
      using store = openStateStore({ stateDir: temporary.stateDir });
      path = store.path;
    }
    // A closed handle leaves no open transaction: another connection can take the write lock at once.
    const database = new DatabaseSync(path);
    database.exec("BEGIN IMMEDIATE; COMMIT;");
    database.close();
  });
});
