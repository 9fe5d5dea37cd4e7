import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
let time: ReturnType<typeof createManualClock>;
let store: StateStore;

const open = () => openStateStore({ stateDir: temporary.stateDir, clock: time.clock });

beforeEach(() => {
  temporary = createTemporaryStateDir();
  time = createManualClock();
  store = open();
});

afterEach(() => {
  store.close();
  temporary.remove();
});

describe("reply outbox", () => {
  it("keeps a turn's reply under each of its guids across a reopen, until it is cleared", () => {
    const reply = { text: "hello **there**", attachments: [{ path: "/tmp/a.png" }] };
    store.outbox.record(["g1", "g2"], "default", reply);
    const recordedAt = time.clock.now();
    store.close();
    store = open();
    expect(store.outbox.find("g2")).toEqual({ reply, recordedAt });
    expect(store.outbox.find("g1")?.reply).toEqual(reply);
    expect(store.outbox.find("nope")).toBeUndefined();
    store.outbox.clear(["g1", "g2"]);
    expect(store.outbox.find("g1")).toBeUndefined();
    expect(store.outbox.find("g2")).toBeUndefined();
  });

  it("drops, on open, replies whose turn the journal already committed (killed between commit and clear)", () => {
    store.inbound.claim("done", { accountId: "default" });
    store.inbound.claim("pending", { accountId: "default" });
    store.outbox.record(["done"], "default", { text: "a" });
    store.outbox.record(["pending"], "default", { text: "b" });
    store.inbound.commit("done", { accountId: "default" });
    store.close();
    store = open();
    expect(store.outbox.find("done")).toBeUndefined();
    expect(store.outbox.find("pending")?.reply).toEqual({ text: "b" });
  });
});
