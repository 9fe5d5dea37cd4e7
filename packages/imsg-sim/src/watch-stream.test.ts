// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterEach, describe, expect, it } from "vitest";
import { openChatDbForWriting } from "./chat-db-schema.ts";
import { inject, insertMessage, inTransaction } from "./inject.ts";
import { type RpcNotification, SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const newest = ["--imsg-version", "0.15.10"];

describe("watch streams on 0.14+: ordering, buffer_limit, overflow, re-delivery, the cap", () => {
  let db: TempChatDb;
  const sims: SimProcess[] = [];

  afterEach(() => {
    for (const sim of sims.splice(0)) sim.kill();
    db.remove();
  });

  function start(...args: string[]): SimProcess {
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, ...args] });
    sims.push(sim);
    return sim;
  }

  function injectMany(count: number, text: (index: number) => string): number[] {
    const database = openChatDbForWriting(db.dbPath);
    const rowids = inTransaction(database, () =>
      Array.from(
        { length: count },
        (_, index) => insertMessage(database, { from: "+15551234567", text: text(index) }).rowid,
      ),
    );
    database.close();
    return rowids;
  }

  /** Index in stdout of the response to `id`, and of the first `message` notification. */
  function lineOrder(sim: SimProcess, id: number): { response: number; firstMessage: number } {
    const parsed = sim.lines.map((line) => JSON.parse(line) as { id?: unknown; method?: string });
    return {
      response: parsed.findIndex((line) => line.method === undefined && line.id === id),
      firstMessage: parsed.findIndex((line) => line.method === "message"),
    };
  }

  function ofSubscription(sim: SimProcess, subscription: number): RpcNotification[] {
    return sim.notifications.filter((notification) => notification.params.subscription === subscription);
  }

  it("writes the subscribe response before the first notification on 0.15.10, even when asked to race", async () => {
    db = exampleChatDb();
    const sim = start(...newest, "--fault-notify-before-response", "--fault-delay-ms", "300");
    const response = await sim.request("watch.subscribe", { since_rowid: -1 });
    expect(response.result).toEqual({ subscription: 1, buffer_limit: 256 });
    await sim.waitFor(() => sim.messagesOf(1).length === 6);
    const order = lineOrder(sim, 1);
    expect(order.response).toBe(0);
    expect(order.firstMessage).toBe(1);
    // Row 5 is a tapback, left out without include_reactions: row 4's cursor covers it.
    expect(sim.messagesOf(1).map((message) => [message.id, message.cursor])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
      [4, 5],
      [6, 6],
      [7, 7],
    ]);
  });

  it("still lets notifications win the race on 0.13.0 with --fault-notify-before-response", async () => {
    db = exampleChatDb();
    const sim = start("--imsg-version", "0.13.0", "--fault-notify-before-response");
    expect((await sim.request("watch.subscribe", { since_rowid: -1 })).result).toEqual({ subscription: 1 });
    const order = lineOrder(sim, 1);
    expect(order.firstMessage).toBe(0);
    expect(order.response).toBeGreaterThan(0);
  });

  it("overflows a slow reader: accepted rows drain, then one terminal watch.overflow, and the rest resumes from it", async () => {
    db = exampleChatDb();
    const rowids = injectMany(40, (index) => `${index} ${"x".repeat(20_000)}`);
    const sim = start(...newest);
    // Up and answering first, so the subscription surely starts while the reader is not reading.
    await sim.call("watch.unsubscribe", { subscription: 99 });
    sim.child.stdout!.pause();
    sim.writeLine(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "watch.subscribe", params: { since_rowid: 7, buffer_limit: 4 } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    sim.child.stdout!.resume();
    const overflow = await sim.waitFor(() => sim.notifications.find((note) => note.method === "watch.overflow"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const delivered = sim.messagesOf(1).map((message) => message.id as number);
    expect(delivered.length).toBeGreaterThan(4);
    expect(delivered.length).toBeLessThan(40);
    expect(delivered).toEqual(rowids.slice(0, delivered.length));
    expect(overflow.params).toEqual({
      subscription: 1,
      resume_after_rowid: delivered.at(-1),
      reason: "buffer_limit_exceeded",
      terminal: true,
    });
    expect(ofSubscription(sim, 1).at(-1)).toBe(overflow);
    expect(sim.notifications.some((note) => note.method === "error")).toBe(false);

    const resumed = (await sim.call("watch.subscribe", { since_rowid: overflow.params.resume_after_rowid })) as {
      subscription: number;
    };
    await sim.waitFor(() => sim.messagesOf(resumed.subscription).length === 40 - delivered.length);
    expect(sim.messagesOf(resumed.subscription).map((message) => message.id)).toEqual(rowids.slice(delivered.length));
  });

  it("overflows on demand with --fault-watch-overflow-after, resuming at the last delivered cursor", async () => {
    db = exampleChatDb();
    const rowids = injectMany(5, (index) => `row ${index}`);
    const sim = start(...newest, "--fault-watch-overflow-after", "2");
    const { subscription } = (await sim.call("watch.subscribe", { since_rowid: 7 })) as { subscription: number };
    const overflow = await sim.waitFor(() => sim.notifications.find((note) => note.method === "watch.overflow"));
    expect(sim.messagesOf(subscription).map((message) => message.id)).toEqual(rowids.slice(0, 2));
    expect(overflow.params).toEqual({
      subscription,
      resume_after_rowid: rowids[1],
      reason: "buffer_limit_exceeded",
      terminal: true,
    });
    inject(db.dbPath, { from: "+15551234567", text: "after the overflow" });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(ofSubscription(sim, subscription).at(-1)).toBe(overflow);
    expect(await sim.call("watch.unsubscribe", { subscription })).toEqual({ ok: true });
  });

  it("re-delivers the last rows a client already had when it reconnects with --fault-redeliver-last", async () => {
    db = exampleChatDb();
    const first = start(...newest);
    await first.call("watch.subscribe", { since_rowid: 4 });
    await first.waitFor(() => first.messagesOf(1).length === 2);
    const cursor = first.messagesOf(1).at(-1)!.cursor as number;
    expect(cursor).toBe(7);
    await first.close();

    const plain = start(...newest);
    await plain.call("watch.subscribe", { since_rowid: cursor });
    // Row 5 is a tapback this subscription does not stream: the last three streamed rows are 4, 6 and 7.
    const again = start(...newest, "--fault-redeliver-last", "3");
    await again.call("watch.subscribe", { since_rowid: cursor });
    const fresh = inject(db.dbPath, { from: "+15551234567", text: "new after reconnect" });
    await again.waitFor(() => again.messagesOf(1).length === 4, 6000);
    await plain.waitFor(() => plain.messagesOf(1).length === 1, 6000);
    expect(again.messagesOf(1).map((message) => message.id)).toEqual([4, 6, 7, fresh.rowid]);
    expect(plain.messagesOf(1).map((message) => message.id)).toEqual([fresh.rowid]);
  });

  it("emits nothing for a subscription after its unsubscribe response", async () => {
    db = exampleChatDb();
    const sim = start(...newest);
    const { subscription } = (await sim.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    inject(db.dbPath, { from: "+15551234567", text: "held, then cancelled" });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await sim.call("watch.unsubscribe", { subscription })).toEqual({ ok: true });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(ofSubscription(sim, subscription)).toEqual([]);
    const refused = await sim.request("watch.unsubscribe", { subscription: 0 });
    expect(refused.error).toEqual({
      code: -32602,
      message: "Invalid params",
      data: "subscription must be a positive integer",
    });
  });

  it("caps pending plus active subscriptions at 64 and frees a slot on unsubscribe", async () => {
    db = exampleChatDb();
    const sim = start(...newest);
    const answers = await Promise.all(Array.from({ length: 65 }, () => sim.request("watch.subscribe", {})));
    expect(answers.slice(0, 64).map((answer) => answer.result?.subscription)).toEqual(
      Array.from({ length: 64 }, (_, index) => index + 1),
    );
    expect(answers[64]!.error).toEqual({ code: -32000, message: "Server busy", data: "subscription limit exceeded" });
    await sim.call("watch.unsubscribe", { subscription: 10 });
    const next = await sim.call("watch.subscribe", {});
    expect(next.subscription).toBe(65);
    expect((await sim.request("watch.subscribe", {})).error?.data).toBe("subscription limit exceeded");
  });

  it("rejects a buffer_limit outside 1…4096 and a bad start date with -32602, and answers the effective limit", async () => {
    db = exampleChatDb();
    const sim = start(...newest);
    expect((await sim.request("watch.subscribe", { buffer_limit: 4097 })).error).toEqual({
      code: -32602,
      message: "Invalid params",
      data: "buffer_limit must be an integer between 1 and 4096",
    });
    expect((await sim.call("watch.subscribe", { bufferLimit: 1 })).buffer_limit).toBe(1);
    expect((await sim.request("watch.subscribe", { start: "yesterday" })).error).toEqual({
      code: -32602,
      message: "Invalid params",
      data: "Invalid ISO8601 date: yesterday",
    });
  });
});
