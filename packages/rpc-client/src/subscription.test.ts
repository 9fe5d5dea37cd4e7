import { recordingLogger } from "@imessage-channel/kit";
import { describe, expect, it } from "vitest";
import { SubscriptionError } from "./errors.ts";
import type { Message } from "./imsg-objects.ts";
import { SubscriptionRouter } from "./subscription-router.ts";
import { messageNotificationLine } from "./test-support/scripted-transport.ts";

/** Feeds a `message` notification line to the router the way the client does. */
function notifyMessage(router: SubscriptionRouter, subscription: number, id: number): void {
  const line = messageNotificationLine(subscription, id);
  const { params } = JSON.parse(line) as { params: unknown };
  router.notify("message", params, line);
}

/** A router with subscription 1 open, counting the unsubscribes the stream asks for. */
function openStream() {
  const router = new SubscriptionRouter(recordingLogger(), 100);
  const unsubscribed: number[] = [];
  const subscription = router.open(1, async () => {
    unsubscribed.push(1);
  });
  return { router, subscription, unsubscribed };
}

describe("Subscription.consume", () => {
  it("hands the queued rows first and every later row as it arrives, in order, one call each", async () => {
    const { router, subscription } = openStream();
    notifyMessage(router, 1, 10);
    notifyMessage(router, 1, 11);
    const ids: number[] = [];
    const consumed = subscription.consume((message: Message) => ids.push(message.id));
    expect(ids).toEqual([10, 11]);
    notifyMessage(router, 1, 12);
    // No promise per row: the row is handed over before notify returns.
    expect(ids).toEqual([10, 11, 12]);
    expect(subscription.lastRowid).toBe(12);
    await subscription.unsubscribe();
    await expect(consumed).resolves.toBeUndefined();
  });

  it("rejects with the error that ended the stream, after the rows before it", async () => {
    const { router, subscription } = openStream();
    const ids: number[] = [];
    const consumed = subscription.consume((message) => ids.push(message.id));
    notifyMessage(router, 1, 20);
    router.notify("error", { subscription: 1, error: { message: "disk I/O error" } }, "{}");
    notifyMessage(router, 1, 21);
    const error = await consumed.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(SubscriptionError.isInstance(error)).toBe(true);
    expect(ids).toEqual([20]);
  });

  it("unsubscribes when the handler throws, rejects with what it threw, and hands over nothing after it", async () => {
    const { router, subscription, unsubscribed } = openStream();
    notifyMessage(router, 1, 30);
    notifyMessage(router, 1, 31);
    const ids: number[] = [];
    const bug = new Error("consumer bug");
    const consumed = subscription.consume((message) => {
      ids.push(message.id);
      throw bug;
    });
    notifyMessage(router, 1, 32);
    await expect(consumed).rejects.toBe(bug);
    expect(ids).toEqual([30]);
    expect(subscription.isEnded).toBe(true);
    expect(unsubscribed).toEqual([1]);
  });

  it("refuses a second reader, and for await after consume()", async () => {
    const { subscription } = openStream();
    const consumed = subscription.consume(() => {});
    await expect(subscription.consume(() => {})).rejects.toMatchObject({ code: "ALREADY_READ" });
    await expect(subscription[Symbol.asyncIterator]().next()).rejects.toThrow("a stream has one reader");
    await subscription.unsubscribe();
    await consumed;
  });

  it("is refused once for await reads the stream", async () => {
    const { router, subscription } = openStream();
    notifyMessage(router, 1, 40);
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value?.id).toBe(40);
    await expect(subscription.consume(() => {})).rejects.toThrow("already read with for await");
    await iterator.return?.();
  });
});
