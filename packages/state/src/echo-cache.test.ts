import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { normalizeEchoText } from "./echo-cache.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
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

  it("normalizes text for comparison", () => {
    expect(normalizeEchoText("  e\u0301t\u00e9 \n\t ok \uFFFC")).toBe("\u00e9t\u00e9 ok");
    expect(normalizeEchoText("\uFFFC")).toBeNull();
    expect(normalizeEchoText(undefined)).toBeNull();
  });
});
