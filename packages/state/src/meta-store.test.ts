import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openStateStore, type StateStore } from "./state-store.ts";
import { createManualClock, createTemporaryStateDir } from "./test-support/temporary-state.ts";

let temporary: ReturnType<typeof createTemporaryStateDir>;
let time: ReturnType<typeof createManualClock>;
let store: StateStore;

beforeEach(() => {
  temporary = createTemporaryStateDir();
  time = createManualClock();
  store = openStateStore({ stateDir: temporary.stateDir, clock: time.clock });
});

afterEach(() => {
  store.close();
  temporary.remove();
});

describe("meta values", () => {
  it("stores small values, and sets a key only once across callers", () => {
    expect(store.meta.getMeta("warned.mention-gating")).toBeUndefined();
    expect(store.meta.setMetaIfAbsent("warned.mention-gating", "2026-01-01")).toBe(true);
    expect(store.meta.setMetaIfAbsent("warned.mention-gating", "later")).toBe(false);
    expect(store.meta.getMeta("warned.mention-gating")).toBe("2026-01-01");
    store.meta.setMeta("warned.mention-gating", "again");
    expect(store.meta.getMeta("warned.mention-gating")).toBe("again");
    expect(store.meta.deleteMeta("warned.mention-gating")).toBe(true);
    expect(store.meta.getMeta("warned.mention-gating")).toBeUndefined();
  });
});
