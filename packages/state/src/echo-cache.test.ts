import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { normalizeEchoText } from "./echo-cache.ts";
import { stateDatabasePath } from "./state-dir.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;

function rowCount(): number {
  const database = new DatabaseSync(stateDatabasePath(temporary.stateDir), { readOnly: true });
  try {
    return Number((database.prepare("SELECT count(*) AS n FROM echo_sent").get() as { n: number }).n);
  } finally {
    database.close();
  }
}
let time: ReturnType<typeof createManualClock>;
let store: StateStore;
const chatKeys = ["42", "iMessage;-;+15555550123", "+15555550123"];

beforeEach(() => {
  temporary = createTemporaryStateDir();
  time = createManualClock();
  store = openStateStore({
    stateDir: temporary.stateDir,
    clock: time.clock,
    echoes: { timeToLiveMilliseconds: 600_000, maxSendsPerAccount: 3 },
  });
});

afterEach(() => {
  store.close();
  temporary.remove();
});

describe("echo cache", () => {
  it("recognizes our send coming back by guid, in any chat form, ours or not", () => {
    const sendId = store.echoes.recordSent({ accountId: "default", chatKeys, text: "Hello there" });
    store.echoes.attachGuid(sendId, "sent-guid-1");
    expect(
      store.echoes.isEcho({
        accountId: "default",
        chatKeys: ["other"],
        text: "different",
        guid: "sent-guid-1",
        ours: false,
      }),
    ).toBe(true);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys: ["other"], guid: "sent-guid-1", ours: true })).toBe(
      true,
    );
    expect(store.echoes.isEcho({ accountId: "work", chatKeys, guid: "sent-guid-1", ours: true })).toBe(false);
  });

  it("recognizes a row of ours by normalized text under any of the chat keys, once", () => {
    store.echoes.recordSent({ accountId: "default", chatKeys, text: "Hello  there\n" });
    expect(
      store.echoes.isEcho({ accountId: "default", chatKeys: ["elsewhere"], text: "Hello there", ours: true }),
    ).toBe(false);
    expect(
      store.echoes.isEcho({
        accountId: "default",
        chatKeys: ["iMessage;-;+15555550123"],
        text: " Hello there\uFFFC",
        ours: true,
      }),
    ).toBe(true);
    // The send was matched: a second row of ours with the same words is not explained by it.
    expect(store.echoes.isEcho({ accountId: "default", chatKeys: [42], text: "Hello there", ours: true })).toBe(false);
  });

  it("never takes another participant's row for an echo because its words match", () => {
    const sendId = store.echoes.recordSent({ accountId: "default", chatKeys, text: "Sounds good!" });
    store.echoes.attachGuid(sendId, "sent-guid-1");
    for (let reply = 0; reply < 3; reply++) {
      expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "Sounds good!", ours: false })).toBe(false);
    }
    // The send itself is still recognised when it comes back.
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "Sounds good!", ours: true })).toBe(true);
  });

  it("records one entry per send, so one send explains one row", () => {
    const sendId = store.echoes.recordSent({ accountId: "default", chatKeys, text: "Sounds good!" });
    store.echoes.attachGuid(sendId, "sent-guid-1");
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "Sounds good!", ours: true })).toBe(true);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "Sounds good!", ours: true })).toBe(false);
  });

  it("matches text only within seconds of the send, a guid for the whole time to live", () => {
    const sendId = store.echoes.recordSent({ accountId: "default", chatKeys, text: "Hello" });
    time.advance(30_000); // a slow send: the window starts when it returned
    store.echoes.attachGuid(sendId, "sent-guid-1");
    time.advance(3_999);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "Hello", ours: true })).toBe(true);
    store.echoes.recordSent({ accountId: "default", chatKeys, text: "Later", guid: "sent-guid-2" });
    time.advance(4_000);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "Later", ours: true })).toBe(false);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, guid: "sent-guid-2", ours: true })).toBe(true);
  });

  it("forgets sends after the time to live", () => {
    store.echoes.recordSent({ accountId: "default", chatKeys, text: "Hello", guid: "sent-guid-1" });
    time.advance(600_000);
    expect(
      store.echoes.isEcho({ accountId: "default", chatKeys, text: "Hello", guid: "sent-guid-1", ours: true }),
    ).toBe(false);
  });

  it("keeps only the most recent sends per account", () => {
    for (const text of ["one", "two", "three", "four"]) {
      time.advance(1);
      store.echoes.recordSent({ accountId: "default", chatKeys, text });
    }
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "one", ours: true })).toBe(false);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "two", ours: true })).toBe(true);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "four", ours: true })).toBe(true);
  });

  it("never has more than the cap in sight, oldest out first, while their rows are deleted in batches", () => {
    for (let send = 1; send <= 40; send += 1) {
      time.advance(1);
      store.echoes.recordSent({ accountId: "default", chatKeys, text: `send ${send}`, guid: `guid-${send}` });
      // After every send, exactly the newest three are remembered (by guid, and by text within its window).
      const remembered = Array.from({ length: send }, (_, index) => index + 1).filter((number) =>
        store.echoes.isEcho({ accountId: "default", chatKeys: ["elsewhere"], guid: `guid-${number}`, ours: false }),
      );
      const newest = Math.max(1, send - 2);
      expect(remembered).toEqual(Array.from({ length: send - newest + 1 }, (_, index) => newest + index));
    }
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "send 37", ours: true })).toBe(false);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "send 38", ours: true })).toBe(true);
    // The rows of sends out of sight are gone too, in batches: never more than the cap plus a margin of 8 sends.
    const rows = rowCount();
    expect(rows).toBeGreaterThan(0);
    expect(rows).toBeLessThanOrEqual((3 + 8) * chatKeys.length);
  });

  it("counts the sends already in state.db after a restart", () => {
    for (const text of ["one", "two", "three"]) {
      time.advance(1);
      store.echoes.recordSent({ accountId: "default", chatKeys, text, guid: `guid-${text}` });
    }
    store.close();
    store = openStateStore({
      stateDir: temporary.stateDir,
      clock: time.clock,
      echoes: { timeToLiveMilliseconds: 600_000, maxSendsPerAccount: 3 },
    });
    time.advance(1);
    store.echoes.recordSent({ accountId: "default", chatKeys, text: "four", guid: "guid-four" });
    const inSight = (guid: string) => store.echoes.isEcho({ accountId: "default", chatKeys, guid, ours: false });
    expect(["guid-one", "guid-two", "guid-three", "guid-four"].map(inSight)).toEqual([false, true, true, true]);
  });

  it("keeps a new send in sight when another connection removed the newest sends it knew of", () => {
    for (const text of ["one", "two", "three"]) {
      time.advance(1);
      store.echoes.recordSent({ accountId: "default", chatKeys, text, guid: `guid-${text}` });
    }
    // The CLI, say, matched all three by text: their rows are gone, and SQLite hands their ids out again.
    const other = openStateStore({ stateDir: temporary.stateDir, clock: time.clock });
    try {
      for (const text of ["one", "two", "three"]) {
        expect(other.echoes.isEcho({ accountId: "default", chatKeys, text, ours: true })).toBe(true);
      }
    } finally {
      other.close();
    }
    store.echoes.recordSent({ accountId: "default", chatKeys, text: "four", guid: "guid-four" });
    expect(store.echoes.isEcho({ accountId: "default", chatKeys: ["x"], guid: "guid-four", ours: false })).toBe(true);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "four", ours: true })).toBe(true);
  });

  it("normalizes text for comparison", () => {
    expect(normalizeEchoText("  e\u0301t\u00e9 \n\t ok \uFFFC")).toBe("\u00e9t\u00e9 ok");
    expect(normalizeEchoText("\uFFFC")).toBeNull();
    expect(normalizeEchoText(undefined)).toBeNull();
  });
});
