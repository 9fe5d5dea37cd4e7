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
  it("recognizes our send coming back by guid, in any chat form", () => {
    store.echoes.recordSent({ accountId: "default", chatKeys, text: "Hello there", guid: "sent-guid-1" });
    expect(
      store.echoes.isEcho({ accountId: "default", chatKeys: ["other"], text: "different", guid: "sent-guid-1" }),
    ).toBe(true);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys: ["other"], guid: "sent-guid-1" })).toBe(true);
    expect(store.echoes.isEcho({ accountId: "work", chatKeys, guid: "sent-guid-1" })).toBe(false);
  });

  it("recognizes our send by normalized text under any of the chat keys, once", () => {
    store.echoes.recordSent({ accountId: "default", chatKeys, text: "Hello  there\n" });
    expect(store.echoes.isEcho({ accountId: "default", chatKeys: ["elsewhere"], text: "Hello there" })).toBe(false);
    expect(
      store.echoes.isEcho({ accountId: "default", chatKeys: ["iMessage;-;+15555550123"], text: " Hello there\uFFFC" }),
    ).toBe(true);
    // The send was matched: the person writing the same words afterwards is a real message.
    expect(store.echoes.isEcho({ accountId: "default", chatKeys: [42], text: "Hello there" })).toBe(false);
  });

  it("forgets sends after the time to live", () => {
    store.echoes.recordSent({ accountId: "default", chatKeys, text: "Hello", guid: "sent-guid-1" });
    time.advance(600_000);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "Hello", guid: "sent-guid-1" })).toBe(false);
  });

  it("keeps only the most recent sends per account", () => {
    for (const text of ["one", "two", "three", "four"]) {
      time.advance(1);
      store.echoes.recordSent({ accountId: "default", chatKeys, text });
    }
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "one" })).toBe(false);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "two" })).toBe(true);
    expect(store.echoes.isEcho({ accountId: "default", chatKeys, text: "four" })).toBe(true);
  });

  it("normalizes text for comparison", () => {
    expect(normalizeEchoText("  e\u0301t\u00e9 \n\t ok \uFFFC")).toBe("\u00e9t\u00e9 ok");
    expect(normalizeEchoText("\uFFFC")).toBeNull();
    expect(normalizeEchoText(undefined)).toBeNull();
  });
});
