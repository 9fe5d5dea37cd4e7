import type { DispatchAttempts } from "@imessage-channel/catchup";
import type { ResolvedAccount } from "@imessage-channel/config";
import { errorMessage, type Logger } from "@imessage-channel/kit";
import type { RowCursor } from "@imessage-channel/row-cursor";
import { notWritableReason, type StateStore, type WriteQueue } from "@imessage-channel/state";
import type { AccountStatusReporter } from "./account-status.ts";
import type { ImsgMessage } from "./imsg-port.ts";
import type { PendingRow } from "./pipeline-types.ts";

/** A replayed row's catchup pass, waiting for its turn; `attempts` counts failed attempts toward maxFailureRetries. */
interface ReplayWaiter {
  resolve(): void;
  reject(error: unknown): void;
  attempts?: DispatchAttempts;
}

export interface RowSettlementOptions {
  account: ResolvedAccount;
  state: StateStore;
  logger: Logger;
  status: AccountStatusReporter;
  /**
   * The account's cursor: each row begins on it when it arrives and settles once it is answered, committed or
   * dropped. Whoever made it listens to its one "moved" event (the supervisor's resume point, the saved cursors).
   */
  cursor: RowCursor<ImsgMessage>;
  /**
   * Where the journal's claims, commits and releases go: while state.db cannot be written they wait there, in
   * order, and rows are delayed instead of lost.
   */
  writes: WriteQueue;
}

/**
 * The settle and commit bookkeeping of an account's rows: the journal's commits and releases through the write
 * queue, the cursor's `settle` (never before a row's commit is on disk), and the catchup passes waiting for their
 * replayed rows.
 */
export class RowSettlement {
  readonly cursor: RowCursor<ImsgMessage>;
  readonly writes: WriteQueue;
  readonly #options: RowSettlementOptions;
  readonly #waiters = new Map<number, ReplayWaiter>();
  /** Rows whose commit waits for state.db: the cursor passes them only once it is on disk. */
  readonly #uncommitted = new Set<number>();
  readonly #settleWhenCommitted = new Map<number, ImsgMessage>();

  constructor(options: RowSettlementOptions) {
    this.#options = options;
    this.cursor = options.cursor;
    this.writes = options.writes;
  }

  /** Resolves once the replayed row settled; rejects when shutdown put its turn back. */
  waitForSettled(rowid: number, attempts?: DispatchAttempts): Promise<void> {
    return new Promise<void>((resolve, reject) => this.#waiters.set(rowid, { resolve, reject, attempts }));
  }

  /** A waiting catchup pass is let go (its row was a duplicate of one already settled). */
  resolveWaiter(rowid: number): void {
    this.#waiters.get(rowid)?.resolve();
  }

  /** The catchup counter of a replayed row catchup is waiting for. */
  attemptsOf(rowid: number): DispatchAttempts | undefined {
    return this.#waiters.get(rowid)?.attempts;
  }

  /** Shutdown cancelled the row's turn: its claim is given back and the catchup pass waiting for it fails. */
  putBack(message: ImsgMessage): void {
    this.release(message);
    this.#waiters
      .get(message.id)
      ?.reject(new Error(`gateway shut down before the turn of row ${message.id} finished; replayed next start`));
    this.#waiters.delete(message.id);
  }

  drop(
    message: ImsgMessage,
    reason: string,
    detail: string,
    options: { journal?: boolean; level?: "debug" | "info" | "warn" } = {},
  ): "dropped" {
    const { status, logger } = this.#options;
    status.drop(reason);
    logger[options.level ?? "debug"]({ rowid: message.id, chat: message.chatId, reason }, `dropped: ${detail}`);
    if (options.journal !== false) this.commit(message);
    this.settle(message);
    return "dropped";
  }

  /**
   * The row is done. While state.db cannot be written the commit waits in the write queue and the row settles only
   * once it is on disk: a crash before then dispatches it once more (a recorded reply is delivered, not asked again).
   */
  commit(message: ImsgMessage): void {
    const { guid, id } = message;
    if (!guid) return;
    const { state, account, logger } = this.#options;
    // A preview row imsg folded into this one is delivered with it: should it stream again on its own (a replay from
    // between the two physical rows, after a restart), the journal knows it as a duplicate.
    const previewGuid = message.urlPreview?.guid;
    const written = this.writes.run(() => {
      if (previewGuid) state.inbound.commit(previewGuid, { accountId: account.accountId });
      state.inbound.commit(guid, { accountId: account.accountId, rowid: id });
    });
    if (!(written instanceof Promise)) return;
    this.#uncommitted.add(id);
    written.then(
      () => this.#committed(id),
      (error: unknown) => {
        if (notWritableReason(error) !== undefined) {
          // Shutdown came first: the row stays unsettled, so the saved cursor is before it.
          this.#uncommitted.delete(id);
          this.#settleWhenCommitted.delete(id);
          logger.warn(
            { rowid: id },
            `row ${id} finished but its commit never reached state.db; the next start dispatches it once more`,
          );
          return;
        }
        logger.error({ rowid: id, err: error }, `could not commit row ${id}: ${errorMessage(error)}`);
        this.#committed(id);
      },
    );
  }

  clearOutbox(rows: PendingRow[]): void {
    const guids = rows.map((row) => row.message.guid).filter(Boolean);
    if (guids.length) this.#queuedWrite(() => this.#options.state.outbox.clear(guids), "clear the reply outbox");
  }

  release(message: ImsgMessage): void {
    const guid = message.guid;
    if (guid) this.#queuedWrite(() => this.#options.state.inbound.release(guid), `release row ${message.id}`);
  }

  settle(message: ImsgMessage): void {
    // Its commit still waits for state.db: the cursor must not pass the row before the commit is on disk.
    if (this.#uncommitted.has(message.id)) {
      this.#settleWhenCommitted.set(message.id, message);
      return;
    }
    this.#waiters.get(message.id)?.resolve();
    this.#waiters.delete(message.id);
    this.cursor.settle(message.id);
  }

  #committed(rowid: number): void {
    this.#uncommitted.delete(rowid);
    const waiting = this.#settleWhenCommitted.get(rowid);
    this.#settleWhenCommitted.delete(rowid);
    if (waiting) this.settle(waiting);
  }

  /** A write nobody waits for: it goes through the write queue; one that never reaches state.db is logged. */
  #queuedWrite(write: () => void, what: string): void {
    const written = this.writes.run(write);
    if (written instanceof Promise) {
      written.catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, `could not ${what}: ${errorMessage(error)}`),
      );
    }
  }
}
