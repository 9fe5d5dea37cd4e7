import { describe, expect, it } from "vitest";
import { QueueCancelledError, SessionQueue } from "./session-queue.ts";

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe("SessionQueue", () => {
  it("runs one session's turns in order even when an earlier one is slower", async () => {
    const queue = new SessionQueue(4);
    const order: string[] = [];
    const slow = deferred();
    const first = queue.enqueue("a", async () => {
      await slow.promise;
      order.push("a1");
    });
    const second = queue.enqueue("a", async () => {
      order.push("a2");
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    slow.resolve();
    await Promise.all([first, second]);
    expect(order).toEqual(["a1", "a2"]);
  });

  it("lets other sessions run while one is busy", async () => {
    const queue = new SessionQueue(2);
    const blocked = deferred();
    const busy = queue.enqueue("a", () => blocked.promise);
    await queue.enqueue("b", async () => {});
    blocked.resolve();
    await busy;
  });

  it("never runs more than `concurrency` tasks at once", async () => {
    const queue = new SessionQueue(2);
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, deferred);
    const tasks = gates.map((gate, index) =>
      queue.enqueue(`s${index}`, async () => {
        running++;
        peak = Math.max(peak, running);
        await gate.promise;
        running--;
      }),
    );
    for (const gate of gates) {
      await new Promise((resolve) => setImmediate(resolve));
      gate.resolve();
    }
    await Promise.all(tasks);
    expect(peak).toBe(2);
  });

  it("keeps going after a failed task and reports the failure to its caller", async () => {
    const queue = new SessionQueue(1);
    const failed = queue.enqueue("a", async () => {
      throw new Error("agent down");
    });
    await expect(failed).rejects.toThrow("agent down");
    expect(await queue.enqueue("a", async () => "next")).toBe("next");
  });

  it("on cancel, aborts the running task's signal and rejects the tasks not started without running them", async () => {
    const queue = new SessionQueue(1);
    const started: string[] = [];
    let sawAbort: unknown;
    const running = queue.enqueue("a", async ({ signal }) => {
      started.push("a1");
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
      sawAbort = signal.reason;
      throw signal.reason;
    });
    const sameSession = queue.enqueue("a", async () => {
      started.push("a2");
    });
    const waitingForSlot = queue.enqueue("b", async () => {
      started.push("b1");
    });
    await new Promise((resolve) => setImmediate(resolve));
    const reason = new QueueCancelledError("budget spent");
    queue.cancel(reason);
    await expect(running).rejects.toBe(reason);
    await expect(sameSession).rejects.toBe(reason);
    await expect(waitingForSlot).rejects.toBe(reason);
    await expect(queue.enqueue("c", async () => "late")).rejects.toBe(reason);
    expect(started).toEqual(["a1"]);
    expect(sawAbort).toBe(reason);
    expect(queue.size).toBe(0);
  });

  it("frees the slot while a task waits outside it, and keeps that session's later tasks behind it", async () => {
    const queue = new SessionQueue(1);
    const order: string[] = [];
    const backoff = deferred();
    const retrying = queue.enqueue("a", async ({ outsideSlot }) => {
      order.push("a1 failed");
      await outsideSlot(() => backoff.promise);
      order.push("a1 answered");
    });
    const later = queue.enqueue("a", async () => {
      order.push("a2");
    });
    // Session b runs while a1 waits out its backoff, although the queue has one slot.
    await queue.enqueue("b", async () => {
      order.push("b1");
    });
    expect(order).toEqual(["a1 failed", "b1"]);
    backoff.resolve();
    await Promise.all([retrying, later]);
    expect(order).toEqual(["a1 failed", "b1", "a1 answered", "a2"]);
  });

  it("drains in-flight work before shutdown", async () => {
    const queue = new SessionQueue(2);
    const gate = deferred();
    let done = false;
    void queue.enqueue("a", async () => {
      await gate.promise;
      done = true;
    });
    expect(queue.size).toBe(1);
    setImmediate(() => gate.resolve());
    expect(await queue.drain(5_000)).toBe(true);
    expect(done).toBe(true);
    expect(queue.size).toBe(0);
  });
});
