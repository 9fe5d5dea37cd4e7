import type { Logger } from "@imessage-channel/kit";
import { compileCheck } from "./compiled-check.ts";
import { SubscriptionError, SubscriptionOverflowError } from "./errors.ts";
import { type Message, messageFromWire } from "./imsg-objects.ts";
import { linePreview } from "./logger.ts";
import { describeIssues, parseMessage, rowidOf } from "./parse-wire.ts";
import { Subscription } from "./subscription.ts";
import {
  wireErrorNotificationSchema,
  wireMessageNotificationSchema,
  wireOverflowNotificationSchema,
  wireValidMessageNotificationSchema,
} from "./wire-schemas.ts";

/** The envelope and its message in one pass that copies nothing (the schemas stay zod's, in wire-schemas.ts). */
const isValidMessageNotification = compileCheck(wireValidMessageNotificationSchema);

type RoutedNotification =
  | { kind: "message"; message: Message }
  | { kind: "error"; reason: string }
  | { kind: "overflow"; resumeAfterRowid: number; reason: string };

/**
 * Routes imsg's watch notifications, `message`, `error` and (0.14+) `watch.overflow`, to the open `Subscription`
 * they name. Notifications for a
 * subscription number not known yet are kept until `open` claims it: the first rows of a new subscription can arrive
 * before the `watch.subscribe` answer that names it (docs/imsg-protocol.md#ordering-and-timeouts).
 */
export class SubscriptionRouter {
  readonly #logger: Logger;
  readonly #maxBuffered: number;
  readonly #open = new Map<number, Subscription>();
  /** Ids unsubscribed or ended by imsg; imsg never reuses them (docs/imsg-protocol.md#ordering-and-timeouts). */
  readonly #ended = new Set<number>();
  readonly #buffered = new Map<number, RoutedNotification[]>();
  #bufferedCount = 0;
  #failure: Error | undefined;

  constructor(logger: Logger, maxBuffered: number) {
    this.#logger = logger;
    this.#maxBuffered = maxBuffered;
  }

  /** The stream for a `watch.subscribe` answer, with what was buffered for it delivered first, in order. */
  open(id: number, unsubscribe: () => Promise<void>): Subscription {
    const subscription = new Subscription(id, unsubscribe);
    if (this.#failure !== undefined) {
      subscription.end(this.#failure);
      return subscription;
    }
    this.#open.set(id, subscription);
    const buffered = this.#buffered.get(id) ?? [];
    this.#dropBuffered(id);
    for (const notification of buffered) this.#deliver(subscription, notification);
    return subscription;
  }

  /** Ends the stream locally (an unsubscribe); rows imsg still sends for it are dropped. */
  close(id: number): void {
    this.#open.get(id)?.end(undefined);
    this.#open.delete(id);
    this.#ended.add(id);
  }

  /** Forgets what was buffered for a subscription nobody will claim (its answer came after the timeout). */
  forget(id: number): void {
    this.#dropBuffered(id);
  }

  /** Ends every open stream with `error`, drops the buffer, and ends every later `open` with it too. */
  endAll(error: Error): void {
    this.#failure ??= error;
    for (const subscription of this.#open.values()) subscription.end(error);
    this.#open.clear();
    this.#buffered.clear();
    this.#bufferedCount = 0;
  }

  /** One notification line: validated, logged and skipped when bad, never thrown. */
  notify(method: string, params: unknown, line: string): void {
    if (method === "message") {
      this.#onMessage(params, line);
      return;
    }
    if (method === "error") {
      this.#onError(params, line);
      return;
    }
    if (method === "watch.overflow") {
      this.#onOverflow(params, line);
      return;
    }
    this.#logger.debug({ method, line: linePreview(line) }, "skipped a notification of an unknown method");
  }

  #onMessage(params: unknown, line: string): void {
    // The hot path: one compiled check, one mapped object. zod below only says what is wrong with a bad one.
    if (isValidMessageNotification(params)) {
      this.#routeMessage(params.subscription, messageFromWire(params.message));
      return;
    }
    const envelope = wireMessageNotificationSchema.safeParse(params);
    if (!envelope.success) {
      this.#logger.warn(
        { line: linePreview(line), problem: describeIssues(envelope.error) },
        "skipped an invalid message notification",
      );
      return;
    }
    const parsed = parseMessage(envelope.data.message);
    if (!parsed.success) {
      this.#logger.error(
        {
          subscription: envelope.data.subscription,
          rowid: rowidOf(envelope.data.message),
          problem: parsed.problem,
          line: linePreview(line),
        },
        "skipped a message notification that failed validation",
      );
      return;
    }
    this.#routeMessage(envelope.data.subscription, parsed.value);
  }

  #routeMessage(id: number, message: Message): void {
    const subscription = this.#open.get(id);
    if (subscription !== undefined) subscription.push(message);
    else this.#route(id, { kind: "message", message });
  }

  #onError(params: unknown, line: string): void {
    const envelope = wireErrorNotificationSchema.safeParse(params);
    if (!envelope.success) {
      this.#logger.warn({ line: linePreview(line) }, "skipped an invalid error notification");
      return;
    }
    const reason = envelope.data.error?.message ?? "unknown error";
    this.#logger.warn({ subscription: envelope.data.subscription, reason }, "imsg ended a watch subscription");
    this.#route(envelope.data.subscription, { kind: "error", reason });
  }

  #onOverflow(params: unknown, line: string): void {
    const envelope = wireOverflowNotificationSchema.safeParse(params);
    if (!envelope.success) {
      this.#logger.warn(
        { line: linePreview(line), problem: describeIssues(envelope.error) },
        "skipped an invalid watch.overflow notification",
      );
      return;
    }
    const { subscription, resume_after_rowid: resumeAfterRowid, reason = "buffer_limit_exceeded" } = envelope.data;
    this.#logger.warn({ subscription, resumeAfterRowid, reason }, "imsg's watch queue overflowed");
    this.#route(subscription, { kind: "overflow", resumeAfterRowid, reason });
  }

  #route(id: number, notification: RoutedNotification): void {
    const subscription = this.#open.get(id);
    if (subscription !== undefined) {
      this.#deliver(subscription, notification);
      return;
    }
    // imsg may still be streaming for a subscription we just ended; those rows come again on the next one.
    if (this.#ended.has(id)) return;
    const buffered = this.#buffered.get(id) ?? [];
    buffered.push(notification);
    this.#buffered.set(id, buffered);
    this.#bufferedCount += 1;
    if (this.#bufferedCount > this.#maxBuffered) this.#dropOldestBuffered();
  }

  #deliver(subscription: Subscription, notification: RoutedNotification): void {
    if (notification.kind === "message") {
      subscription.push(notification.message);
      return;
    }
    this.#open.delete(subscription.id);
    this.#ended.add(subscription.id);
    subscription.end(
      notification.kind === "overflow"
        ? new SubscriptionOverflowError(subscription.id, notification.resumeAfterRowid, notification.reason)
        : new SubscriptionError(subscription.id, notification.reason),
    );
  }

  #dropBuffered(id: number): void {
    this.#bufferedCount -= this.#buffered.get(id)?.length ?? 0;
    this.#buffered.delete(id);
  }

  #dropOldestBuffered(): void {
    // Subscription ids only grow, so the smallest buffered id is the one least likely to be claimed.
    const oldest = Math.min(...this.#buffered.keys());
    const buffered = this.#buffered.get(oldest);
    buffered?.shift();
    this.#bufferedCount -= 1;
    if (buffered?.length === 0) this.#buffered.delete(oldest);
    this.#logger.warn({ subscription: oldest }, "dropped a buffered notification for an unknown subscription");
  }
}
