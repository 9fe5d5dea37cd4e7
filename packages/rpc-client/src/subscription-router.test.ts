import { recordingLogger } from "@imessage-channel/kit";
import { describe, expect, it } from "vitest";
import { ChildExitedError, SubscriptionError, SubscriptionOverflowError } from "./errors.ts";
import type { Message } from "./imsg-objects.ts";
import { SubscriptionRouter } from "./subscription-router.ts";
import { messageNotificationLine } from "./test-support/scripted-transport.ts";

/** Feeds a `message` notification line to the router the way the client does. */
function notifyMessage(router: SubscriptionRouter, subscription: number, id: number): void {
  const line = messageNotificationLine(subscription, id);
  const { params } = JSON.parse(line) as { params: unknown };
  router.notify("message", params, line);
}

async function take(subscription: AsyncIterable<Message>, count: number): Promise<number[]> {
  const ids: number[] = [];
  for await (const message of subscription) {
    ids.push(message.id);
    if (ids.length === count) break;
  }
  return ids;
}

const noUnsubscribe = async () => {};

describe("SubscriptionRouter", () => {
  it("delivers rows that came before the subscribe answer first, in order", async () => {
    const router = new SubscriptionRouter(recordingLogger(), 100);
    notifyMessage(router, 1, 10);
    notifyMessage(router, 1, 11);
    const subscription = router.open(1, noUnsubscribe);
    notifyMessage(router, 1, 12);
    expect(await take(subscription, 3)).toEqual([10, 11, 12]);
  });

  it("ends a stream imsg 0.14+ overflowed with the row to resume after, once its queued rows are out", async () => {
    const router = new SubscriptionRouter(recordingLogger(), 100);
    const subscription = router.open(4, noUnsubscribe);
    notifyMessage(router, 4, 30);
    const overflow = { subscription: 4, resume_after_rowid: 30, reason: "buffer_limit_exceeded", terminal: true };
    router.notify("watch.overflow", overflow, JSON.stringify({ method: "watch.overflow", params: overflow }));
    expect(await take(subscription, 1)).toEqual([30]);
    const ended = await subscription.ended;
    expect(SubscriptionOverflowError.isInstance(ended)).toBe(true);
    expect(ended).toMatchObject({ code: "SUBSCRIPTION_FAILED", subscription: 4, resumeAfterRowid: 30 });
  });

  it("skips a watch.overflow without a resume point, with a warning, and keeps the stream", () => {
    const logger = recordingLogger();
    const router = new SubscriptionRouter(logger, 100);
    const subscription = router.open(4, noUnsubscribe);
    router.notify("watch.overflow", { subscription: 4 }, '{"method":"watch.overflow"}');
    expect(logger.find("skipped an invalid watch.overflow notification")).toBeDefined();
    expect(subscription.isEnded).toBe(false);
  });

  it("drops the oldest buffered rows beyond its limit, with a warning", async () => {
    const logger = recordingLogger();
    const router = new SubscriptionRouter(logger, 2);
    for (const id of [1, 2, 3]) notifyMessage(router, 5, id);
    expect(logger.find("dropped a buffered notification")?.fields.subscription).toBe(5);
    expect(await take(router.open(5, noUnsubscribe), 2)).toEqual([2, 3]);
  });

  it("drops rows for a closed subscription without buffering them", () => {
    const logger = recordingLogger();
    const router = new SubscriptionRouter(logger, 0);
    const subscription = router.open(3, noUnsubscribe);
    router.close(3);
    notifyMessage(router, 3, 99);
    expect(subscription.isEnded).toBe(true);
    expect(logger.find("dropped a buffered notification")).toBeUndefined();
  });

  it("ends a subscription with SubscriptionError on imsg's error notification", async () => {
    const router = new SubscriptionRouter(recordingLogger(), 100);
    const subscription = router.open(2, noUnsubscribe);
    router.notify("error", { subscription: 2, error: { message: "disk I/O error" } }, "{}");
    const error = await subscription.ended;
    expect(SubscriptionError.isInstance(error)).toBe(true);
    expect(error?.message).toContain("disk I/O error");
  });

  it("ends open streams with the error it is ended with, and every stream opened later", async () => {
    const router = new SubscriptionRouter(recordingLogger(), 100);
    const open = router.open(1, noUnsubscribe);
    notifyMessage(router, 2, 7);
    const exited = new ChildExitedError("imsg exited with signal SIGKILL", null, "SIGKILL");
    router.endAll(exited);
    expect(await open.ended).toBe(exited);
    const later = router.open(2, noUnsubscribe);
    expect(await later.ended).toBe(exited);
    await expect(take(later, 1)).rejects.toBe(exited);
  });

  it("logs an unknown notification method at debug and skips it", () => {
    const logger = recordingLogger();
    const router = new SubscriptionRouter(logger, 100);
    router.notify("typing", {}, '{"method":"typing"}');
    expect(logger.find("unknown method")?.level).toBe("debug");
  });
});
