import { WriteQueue } from "@imessage-channel/state";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LiveCursorStore } from "./live-cursor-store.ts";

function memoryMeta(initial: Record<string, string> = {}) {
  const values = new Map(Object.entries(initial));
  const writes: string[] = [];
  return {
    writes,
    getMeta: (key: string) => values.get(key),
    setMeta: (key: string, value: string) => {
      values.set(key, value);
      writes.push(value);
    },
  };
}

const logger = { warn: () => {} };

afterEach(() => {
  vi.useRealTimers();
});

describe("LiveCursorStore", () => {
  it("saves at once, then at most once a second, and the newest at close", () => {
    vi.useFakeTimers();
    const meta = memoryMeta();
    const store = new LiveCursorStore({ meta, key: "live-cursor:a:h", writes: new WriteQueue(), logger });
    expect(store.loaded).toBeUndefined();
    expect(store.hasSaved).toBe(false);
    store.save(5);
    store.save(6);
    store.save(7);
    expect(meta.writes).toEqual(["5"]);
    expect(store.hasSaved).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(meta.writes).toEqual(["5", "7"]);
    store.save(8);
    store.close();
    expect(meta.writes).toEqual(["5", "7", "8"]);
  });

  it("reads back what the last start saved, and ignores a value that is not a rowid", () => {
    const key = "live-cursor:a:h";
    expect(
      new LiveCursorStore({ meta: memoryMeta({ [key]: "42" }), key, writes: new WriteQueue(), logger }).loaded,
    ).toBe(42);
    expect(
      new LiveCursorStore({ meta: memoryMeta({ [key]: "-3" }), key, writes: new WriteQueue(), logger }).loaded,
    ).toBeUndefined();
  });
});
