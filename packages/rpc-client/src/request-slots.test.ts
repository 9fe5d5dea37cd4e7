import { describe, expect, it } from "vitest";
import { RequestSlots } from "./request-slots.ts";

/** A request the test settles by hand. */
function heldRequest() {
  let settle!: { resolve: (value: string) => void; reject: (error: Error) => void };
  const promise = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  return { promise, ...settle };
}

describe("RequestSlots", () => {
  it("runs at most its size at once and the rest in call order, each as a slot frees, rejected requests too", async () => {
    const slots = new RequestSlots(2);
    const held = Array.from({ length: 5 }, () => heldRequest());
    const started: number[] = [];
    const results = held.map((request, index) =>
      slots
        .run(() => {
          started.push(index);
          return request.promise;
        })
        .catch((error: Error) => error.message),
    );
    expect(started).toEqual([0, 1]);
    held[1]?.reject(new Error("busy"));
    await expect(results[1]).resolves.toBe("busy");
    expect(started).toEqual([0, 1, 2]);
    held[0]?.resolve("zero");
    held[2]?.resolve("two");
    await Promise.all([results[0], results[2]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(slots.taken).toBe(2);
    held[3]?.resolve("three");
    held[4]?.resolve("four");
    expect(await Promise.all(results)).toEqual(["zero", "busy", "two", "three", "four"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(slots.taken).toBe(0);
  });

  it("hands the settled value through unchanged, the same promise when a slot was free", async () => {
    const slots = new RequestSlots(1);
    const sent = Promise.resolve("answer");
    expect(slots.run(() => sent)).toBe(sent);
    expect(await sent).toBe("answer");
  });

  it("refuses a size that is not a whole number of at least 1", () => {
    for (const size of [0, -1, 1.5, Number.NaN]) expect(() => new RequestSlots(size)).toThrow("maxOutstanding");
  });
});
