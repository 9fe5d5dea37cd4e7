import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { outboundPartRetentionMilliseconds, partPreview } from "./outbound-parts.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
let time: ReturnType<typeof createManualClock>;
let store: StateStore;

const open = () => openStateStore({ stateDir: temporary.stateDir, clock: time.clock });
const delivery = { id: "reply:g1", accountId: "default", origin: "reply" as const, chat: { chatId: 7 } };
const parts = [
  { kind: "text" as const, call: { method: "send", params: { chat_id: 7, text: "ok" } }, preview: "ok" },
  { kind: "text" as const, call: { method: "send", params: { chat_id: 7, text: "ok" } }, preview: "ok" },
  { kind: "file" as const, call: { method: "send", params: { chat_id: 7, file: "/m/a.png" } }, preview: "a.png" },
];

beforeEach(() => {
  temporary = createTemporaryStateDir();
  time = createManualClock();
  store = open();
});

afterEach(() => {
  store.close();
  temporary.remove();
});

describe("outbound parts", () => {
  it("plans a delivery once: planning it again after a reopen finds the same parts in their states", () => {
    const planned = store.parts.plan(delivery, parts);
    expect(planned.map((part) => [part.key, part.state, part.kind])).toEqual([
      ["reply:g1#0", "planned", "text"],
      ["reply:g1#1", "planned", "text"],
      ["reply:g1#2", "planned", "file"],
    ]);
    store.parts.update(planned[0]!.id, { state: "sending", mode: "tracked", guid: "u-0", firstAttemptAt: 5 });
    store.parts.update(planned[0]!.id, { state: "sent", rowid: 41 });
    store.close();
    store = open();
    const again = store.parts.plan(delivery, parts.slice(0, 1));
    expect(again).toHaveLength(3);
    expect(again[0]).toMatchObject({ state: "sent", mode: "tracked", guid: "u-0", rowid: 41, firstAttemptAt: 5 });
    expect(again[1]).toMatchObject({ state: "planned", attempt: 0 });
    expect(again[2]?.call).toEqual(parts[2]?.call);
  });

  it("lists the open deliveries oldest first and counts every state", () => {
    const first = store.parts.plan(delivery, parts);
    const second = store.parts.plan({ ...delivery, id: "pairing:g2", origin: "pairing" }, parts.slice(0, 1));
    store.parts.plan({ ...delivery, id: "other", accountId: "work" }, parts.slice(0, 1));
    for (const part of first) store.parts.update(part.id, { state: "sent" });
    expect(store.parts.openDeliveries("default")).toEqual(["pairing:g2"]);
    store.parts.update(second[0]!.id, { state: "unknown", detail: "timed out" });
    expect(store.parts.openDeliveries("default")).toEqual([]);
    expect(store.parts.counts("default")).toEqual({
      planned: 0,
      sending: 0,
      sent: 3,
      delivered: 0,
      failed: 0,
      unknown: 1,
      dropped: 0,
    });
    expect(store.parts.counts().planned).toBe(1);
    expect(store.parts.list({ states: ["unknown"] }).map((part) => part.deliveryId)).toEqual(["pairing:g2"]);
  });

  it("resolves only what the gateway could not settle: unknown and failed, and drops planned parts", () => {
    const [sent, unknown, failed] = store.parts.plan(delivery, parts);
    store.parts.update(sent!.id, { state: "sent" });
    store.parts.update(unknown!.id, { state: "unknown", guid: "u-1", attempt: 0 });
    store.parts.update(failed!.id, { state: "failed", guid: "u-2", attempt: 0 });
    expect(() => store.parts.resolve(sent!.id, "resend")).toThrow(/part \d+ is sent; only unknown or failed/);
    expect(() => store.parts.resolve(999, "sent")).toThrow(/outbox part 999 does not exist/);
    // An unknown part keeps its guid (imsg refuses a resend of a guid it has); a failed one gets a new attempt.
    expect(store.parts.resolve(unknown!.id, "resend")).toMatchObject({ state: "planned", attempt: 0, guid: "u-1" });
    expect(store.parts.resolve(failed!.id, "resend")).toMatchObject({ state: "planned", attempt: 1 });
    expect(store.parts.resolve(failed!.id, "drop")).toMatchObject({
      state: "dropped",
      detail: "dropped by the operator",
    });
    expect(store.parts.openDeliveries("default")).toEqual(["reply:g1"]);
  });

  it("names the guids its parts own, so a history lookup never takes one for another part", () => {
    const [a, b] = store.parts.plan(delivery, parts);
    store.parts.update(a!.id, { state: "sent", guid: "G-A" });
    time.advance(10_000);
    store.parts.update(b!.id, { state: "sent", guid: "G-B" });
    expect(store.parts.ownedGuidsSince("default", 0).sort()).toEqual(["G-A", "G-B"]);
    expect(store.parts.ownedGuidsSince("default", time.clock.now() - 5_000)).toEqual(["G-B"]);
    expect(store.parts.ownedGuidsSince("work", 0)).toEqual([]);
  });

  it("names the tracked parts still waiting for Messages to say delivered, each at most once per check interval", () => {
    const [tracked, history, late] = store.parts.plan(delivery, parts);
    store.parts.update(tracked!.id, { state: "sent", mode: "tracked", guid: "G-A", firstAttemptAt: 1_000 });
    store.parts.update(history!.id, { state: "sent", mode: "history", guid: "G-B", firstAttemptAt: 1_000 });
    store.parts.update(late!.id, { state: "sent", mode: "tracked", guid: "G-C", firstAttemptAt: 9_000 });
    const window = { since: 0, until: 5_000, checkedBefore: 2_000, limit: 10 };
    expect(store.parts.awaitingDelivery("default", window).map((part) => part.guid)).toEqual(["G-A"]);
    store.parts.update(tracked!.id, { state: "sent", checkedAt: 3_000 });
    expect(store.parts.awaitingDelivery("default", window)).toEqual([]);
    expect(store.parts.awaitingDelivery("default", { ...window, checkedBefore: 4_000 })).toHaveLength(1);
    store.parts.update(tracked!.id, { state: "delivered" });
    expect(store.parts.awaitingDelivery("default", { ...window, checkedBefore: 4_000 })).toEqual([]);
  });

  it("prunes settled parts after the retention but keeps unknown ones until the operator decides", () => {
    const [a, b] = store.parts.plan(delivery, parts);
    store.parts.update(a!.id, { state: "delivered" });
    store.parts.update(b!.id, { state: "unknown" });
    time.advance(outboundPartRetentionMilliseconds + 1);
    expect(store.parts.prune()).toBe(1);
    expect(store.parts.partsOf("reply:g1").map((part) => part.state)).toEqual(["unknown", "planned"]);
  });

  it("names a part by its first 40 characters on one line", () => {
    expect(partPreview("  hello\n\nthere  ")).toBe("hello there");
    expect(partPreview("x".repeat(41))).toBe(`${"x".repeat(40)}…`);
    expect(partPreview("👍".repeat(40))).toBe("👍".repeat(40));
  });
});
