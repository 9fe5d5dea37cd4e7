import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StateError } from "./state-error.ts";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
let store: StateStore;

beforeEach(() => {
  temporary = createTemporaryStateDir();
  store = openStateStore({
    stateDir: temporary.stateDir,
    clock: createManualClock().clock,
    replies: { maxMessagesPerAccount: 3 },
  });
});

afterEach(() => {
  store.close();
  temporary.remove();
});

function errorCode(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (StateError.isInstance(error)) return `${error.code}: ${error.message}`;
    throw error;
  }
  return "no error";
}

describe("reply cache", () => {
  it("hands out small increasing short ids per account, stable for the same guid", () => {
    expect(store.replies.rememberMessage({ accountId: "default", chatId: 42, guid: "guid-a" })).toBe("1");
    expect(store.replies.rememberMessage({ accountId: "default", chatId: 42, guid: "guid-b" })).toBe("2");
    expect(store.replies.rememberMessage({ accountId: "default", chatId: 42, guid: "guid-a" })).toBe("1");
    expect(store.replies.rememberMessage({ accountId: "work", chatId: 7, guid: "guid-c" })).toBe("1");
    expect(store.replies.resolveShortId({ accountId: "default", chatId: "42", shortId: "2" })).toBe("guid-b");
    expect(store.replies.resolveShortId({ accountId: "work", chatId: 7, shortId: 1 })).toBe("guid-c");
  });

  it("refuses a short id of another chat and tells the agent to use the full guid", () => {
    store.replies.rememberMessage({ accountId: "default", chatId: 42, guid: "guid-a" });
    expect(errorCode(() => store.replies.resolveShortId({ accountId: "default", chatId: 43, shortId: "1" }))).toMatch(
      /^SHORT_ID_OTHER_CHAT: short message id 1 belongs to another chat than 43; retry with the full message guid$/,
    );
  });

  it("says a short id evicted from the bounded cache has expired, without reusing it", () => {
    for (const guid of ["guid-1", "guid-2", "guid-3", "guid-4"]) {
      store.replies.rememberMessage({ accountId: "default", chatId: 42, guid });
    }
    expect(errorCode(() => store.replies.resolveShortId({ accountId: "default", chatId: 42, shortId: "1" }))).toMatch(
      /^SHORT_ID_EXPIRED: .*full message guid$/,
    );
    expect(store.replies.resolveShortId({ accountId: "default", chatId: 42, shortId: "2" })).toBe("guid-2");
    expect(store.replies.rememberMessage({ accountId: "default", chatId: 42, guid: "guid-1" })).toBe("5");
  });

  it("tells unknown and malformed short ids apart", () => {
    store.replies.rememberMessage({ accountId: "default", chatId: 42, guid: "guid-1" });
    expect(errorCode(() => store.replies.resolveShortId({ accountId: "default", chatId: 42, shortId: "9" }))).toMatch(
      /^SHORT_ID_UNKNOWN: /,
    );
    expect(
      errorCode(() => store.replies.resolveShortId({ accountId: "default", chatId: 42, shortId: "p:0/ABC" })),
    ).toMatch(/^SHORT_ID_INVALID: /);
  });
});
