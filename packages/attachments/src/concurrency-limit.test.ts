import { describe, expect, it } from "vitest";
import { createConcurrencyLimit } from "./concurrency-limit.ts";

describe("createConcurrencyLimit", () => {
  it("never runs more than the limit at once, even when a new task arrives as a slot frees up, and runs every task", async () => {
    const limit = createConcurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const started: number[] = [];
    const task = (id: number) =>
      limit(async () => {
        running += 1;
        peak = Math.max(peak, running);
        started.push(id);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
        return id;
      });
    const first = [task(1), task(2), task(3)];
    await Promise.resolve();
    expect(started).toEqual([1, 2]);
    gates.shift()?.();
    const late = task(4);
    while (gates.length > 0 || started.length < 4) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.shift()?.();
    }
    expect(await Promise.all([...first, late])).toEqual([1, 2, 3, 4]);
    expect(started).toEqual([1, 2, 3, 4]);
    expect(peak).toBe(2);
  });

  it("frees the slot when a task throws", async () => {
    const limit = createConcurrencyLimit(1);
    await expect(limit(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await limit(async () => "next")).toBe("next");
  });
});
