import { existsSync, type FSWatcher, watch } from "node:fs";
import { errorMessage } from "@imessage-channel/kit";
import type { ChatStore } from "./chat-store.ts";
import type { ImsgPersonality } from "./personality.ts";
import type { UrlBalloonDedupe } from "./url-balloon-dedupe.ts";
import { coalescingRules, type PreviewedMessage, withUrlPreview } from "./url-preview-messages.ts";
import { type Delivery, planBatch, WatchBatchState } from "./watch-batch.ts";
import type { WatchOutbox } from "./watch-outbox.ts";
import type { WireMessage } from "./wire-types.ts";

/** How soon a poll that met a row without its chat join runs again (0.10.0+; imsg retries on its debounce). */
const chatlessRetryMinMs = 10;

/** Rows read per poll; a backlog drains one batch per trigger (docs/imsg-protocol.md#cursor). */
export const watchBatchSize = 100;

/**
 * SQLite publishes a commit through the mmapped -shm, which raises no file event, so a poll right after the
 * -wal write can run before the commit is visible. An event-triggered poll that reads nothing is retried every
 * `settleRetryMs` for up to `settleWindowMs`, and one trailing poll runs `settleWindowMs` after the last event.
 */
export const settleRetryMs = 5;
export const settleWindowMs = 100;

export interface WatchFilter {
  chatId?: number;
  sinceRowid?: number;
  participants: string[];
  startMs?: number;
  endMs?: number;
  includeAttachments: boolean;
  includeReactions: boolean;
  debounceMs: number;
}

export interface WatchEnvironment {
  store: ChatStore;
  dedupe: UrlBalloonDedupe;
  dbPath: string;
  /** File-system watches on the db, -wal and -shm (macOS build); off reproduces the Linux build. */
  fileWatch: boolean;
  pollIntervalMs: number;
  emitMessage: (subscription: number, message: WireMessage) => void;
  emitError: (subscription: number, message: string) => void;
  /** The release played; absent or before 0.10.0: 0.9.0's loop (row by row, `chat_id: 0` rows emitted, no hold). */
  personality?: ImsgPersonality;
  /** 0.14+: the bounded queue notifications go through (`buffer_limit`, `watch.overflow`). */
  outbox?: WatchOutbox;
  /** The stream ended by itself (overflow or error) and its terminal notification is out: its slot is free. */
  onEnded?: () => void;
}

/** One `watch.subscribe` stream: its own cursor, debounce timer, file watches and fallback poll. */
export class WatchSubscription {
  readonly id: number;
  readonly #filter: WatchFilter;
  readonly #environment: WatchEnvironment;
  #cursor: number;
  #watchers: FSWatcher[] = [];
  #debounceTimer: NodeJS.Timeout | undefined;
  #settleTimer: NodeJS.Timeout | undefined;
  #settleDeadline = 0;
  #pollTimer: NodeJS.Timeout | undefined;
  #wakeTimer: NodeJS.Timeout | undefined;
  #wakeAt = Number.POSITIVE_INFINITY;
  #stopped = false;
  /** The 0.10+ watcher's memory; absent under 0.9.0. */
  readonly #batch: WatchBatchState | undefined;
  /** The resume point of the last event processed: `resume_after_rowid` if the next one overflows. */
  #lastCursor: number;

  constructor(id: number, filter: WatchFilter, environment: WatchEnvironment) {
    this.id = id;
    this.#filter = filter;
    this.#environment = environment;
    const since = filter.sinceRowid ?? 0;
    const tail = environment.store.maxRowid();
    this.#cursor = since === 0 ? tail : since;
    this.#lastCursor = this.#cursor;
    if (environment.personality?.dropsChatlessRows) this.#batch = new WatchBatchState(this.#cursor, tail);
  }

  get cursor(): number {
    return this.#batch?.cursor ?? this.#cursor;
  }

  /**
   * Starts polling; the first poll runs on the next turn, or right away with `firstPollNow` (the race in
   * docs/imsg-protocol.md#ordering-and-timeouts).
   */
  start(firstPollNow = false): void {
    // Unsubscribed (or shut down) before its response released it.
    if (this.#stopped) return;
    if (firstPollNow) this.poll();
    else setImmediate(() => this.poll());
    this.#pollTimer = setInterval(() => this.poll(), this.#environment.pollIntervalMs);
    this.#pollTimer.unref();
    if (!this.#environment.fileWatch) return;
    const base = this.#environment.dbPath;
    for (const path of [base, `${base}-wal`, `${base}-shm`]) {
      if (!existsSync(path)) continue;
      try {
        const watcher = watch(path, { persistent: false }, () => this.#schedule());
        watcher.on("error", () => watcher.close());
        this.#watchers.push(watcher);
      } catch {
        // A file that vanished between the check and the watch is covered by the fallback poll.
      }
    }
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#settleDeadline = Date.now() + this.#filter.debounceMs + settleWindowMs;
    clearTimeout(this.#settleTimer);
    this.#settleTimer = setTimeout(() => this.poll(), this.#filter.debounceMs + settleWindowMs);
    if (this.#debounceTimer !== undefined) return;
    this.#debounceTimer = setTimeout(() => this.#pollUntilSettled(), this.#filter.debounceMs);
  }

  #pollUntilSettled(): void {
    this.#debounceTimer = undefined;
    const read = this.poll();
    if (read > 0 || this.#stopped || Date.now() >= this.#settleDeadline) return;
    this.#debounceTimer = setTimeout(() => this.#pollUntilSettled(), settleRetryMs);
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#debounceTimer);
    clearTimeout(this.#settleTimer);
    clearTimeout(this.#wakeTimer);
    clearInterval(this.#pollTimer);
    for (const watcher of this.#watchers) watcher.close();
    this.#watchers = [];
  }

  /**
   * Reads one batch after the cursor, advances the cursor past every row read, emits the rows that pass.
   * Returns how many rows were read (0 after a failure or once stopped).
   */
  poll(): number {
    if (this.#stopped) return 0;
    if (this.#batch) return this.#pollLive(this.#batch);
    const { store, dedupe } = this.#environment;
    try {
      const rows = store.watchRows(this.#cursor, this.#filter.chatId, this.#filter.includeReactions, watchBatchSize);
      for (const row of rows) {
        if (this.#stopped) return rows.length;
        this.#cursor = Math.max(this.#cursor, row.rowid);
        if (!this.#passesFilters(row.date_ms)) continue;
        const sender = store.resolvedSender(row);
        if (!this.#passesParticipants(sender)) continue;
        if (store.schema.balloonBundleId && dedupe.isDuplicate(row, sender, store.resolvedText(row))) continue;
        const message = store.buildMessage(row, {
          includeAttachments: this.#filter.includeAttachments,
          includeReactions: this.#filter.includeReactions,
        });
        this.#environment.emitMessage(this.id, message);
      }
      return rows.length;
    } catch (error) {
      this.stop();
      this.#environment.emitError(this.id, error instanceof Error ? error.message : String(error));
      return 0;
    }
  }

  /** One poll of the 0.10+ watcher: plan the batch (watch-batch.ts), then hand its events to the reader. */
  #pollLive(state: WatchBatchState): number {
    const { store, dedupe, personality } = this.#environment;
    try {
      const rows = store.watchRows(state.cursor, this.#filter.chatId, this.#filter.includeReactions, watchBatchSize);
      const now = Date.now();
      const plan = planBatch(rows, state, {
        now,
        dropsChatlessRows: personality?.dropsChatlessRows ?? false,
        isRepeatedBalloon: (row) =>
          store.schema.balloonBundleId && dedupe.isDuplicate(row, store.resolvedSender(row), store.resolvedText(row)),
        ...(personality?.coalescesUrlPreviews ? { coalescing: coalescingRules(store, personality) } : {}),
      });
      if (plan.retry) this.#wake(now + Math.max(chatlessRetryMinMs, this.#filter.debounceMs));
      if (plan.wakeAt !== undefined) this.#wake(plan.wakeAt);
      for (const delivery of plan.deliveries) {
        if (this.#stopped) break;
        if (!this.#deliver(delivery)) break;
      }
      return rows.length;
    } catch (error) {
      this.#fail(errorMessage(error));
      return 0;
    }
  }

  /** Emits one planned event (or filters it out); false once the subscription overflowed. */
  #deliver(delivery: Delivery): boolean {
    const { row } = delivery.logical;
    const { store, personality, outbox } = this.#environment;
    if (!this.#passesFilters(row.date_ms) || !this.#passesParticipants(store.resolvedSender(row))) {
      this.#lastCursor = delivery.cursor;
      return true;
    }
    let message: PreviewedMessage = store.buildMessage(row, {
      includeAttachments: this.#filter.includeAttachments,
      includeReactions: this.#filter.includeReactions,
    });
    if (personality) message = withUrlPreview(message, delivery.logical, store, personality);
    if (personality?.watchCursor) message.cursor = delivery.cursor;
    if (!outbox) {
      this.#environment.emitMessage(this.id, message);
    } else if (!outbox.offer("message", { subscription: this.id, message })) {
      this.#overflow(outbox);
      return false;
    }
    this.#lastCursor = delivery.cursor;
    return true;
  }

  /** A full buffer: stop reading, let accepted events drain, then the terminal `watch.overflow`. */
  #overflow(outbox: WatchOutbox): void {
    this.stop();
    outbox.finish(
      "watch.overflow",
      { subscription: this.id, resume_after_rowid: this.#lastCursor, reason: "buffer_limit_exceeded", terminal: true },
      this.#environment.onEnded,
    );
  }

  #fail(message: string): void {
    this.stop();
    const outbox = this.#environment.outbox;
    if (outbox) outbox.finish("error", { subscription: this.id, error: { message } }, this.#environment.onEnded);
    else this.#environment.emitError(this.id, message);
  }

  /** Polls again at `at` (a held row's deadline, a chat-join retry), keeping only the earliest wake-up. */
  #wake(at: number): void {
    if (this.#stopped || at >= this.#wakeAt) return;
    clearTimeout(this.#wakeTimer);
    this.#wakeAt = at;
    this.#wakeTimer = setTimeout(
      () => {
        this.#wakeAt = Number.POSITIVE_INFINITY;
        this.poll();
      },
      Math.max(0, at - Date.now()) + 1,
    );
  }

  #passesFilters(dateMs: number | null): boolean {
    const date = dateMs ?? 0;
    if (this.#filter.startMs !== undefined && date < this.#filter.startMs) return false;
    if (this.#filter.endMs !== undefined && date >= this.#filter.endMs) return false;
    return true;
  }

  #passesParticipants(sender: string): boolean {
    if (this.#filter.participants.length === 0) return true;
    const lowered = sender.toLowerCase();
    return this.#filter.participants.some((participant) => participant.toLowerCase() === lowered);
  }
}
