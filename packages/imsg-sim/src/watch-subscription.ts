import { existsSync, type FSWatcher, watch } from "node:fs";
import type { ChatStore } from "./chat-store.ts";
import type { UrlBalloonDedupe } from "./url-balloon-dedupe.ts";
import type { WireMessage } from "./wire-types.ts";

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
  #stopped = false;

  constructor(id: number, filter: WatchFilter, environment: WatchEnvironment) {
    this.id = id;
    this.#filter = filter;
    this.#environment = environment;
    const since = filter.sinceRowid ?? 0;
    this.#cursor = since === 0 ? environment.store.maxRowid() : since;
  }

  get cursor(): number {
    return this.#cursor;
  }

  /**
   * Starts polling; the first poll runs on the next turn, or right away with `firstPollNow` (the race in
   * docs/imsg-protocol.md#ordering-and-timeouts).
   */
  start(firstPollNow = false): void {
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
