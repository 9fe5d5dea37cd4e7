import type { Logger } from "@imessage-channel/kit";
import { errorMessage } from "@imessage-channel/kit";
import type { MetaStore, WriteQueue } from "@imessage-channel/state";

export interface LiveCursorStoreOptions {
  meta: Pick<MetaStore, "getMeta" | "setMeta">;
  /** `meta` key of the live cursor (per account and database). */
  key: string;
  /** While state.db cannot be written the save waits here, behind the journal's writes. */
  writes: WriteQueue;
  logger: Pick<Logger, "warn">;
  /** The cursor is written at most this often (and at `close`). */
  intervalMs?: number;
}

/** A saved cursor as `meta` holds it (a rowid), or undefined when there is none or it is not one. */
function parseSavedCursor(value: string | undefined): number | undefined {
  const rowid = value === undefined ? Number.NaN : Number(value);
  return Number.isSafeInteger(rowid) && rowid >= 0 ? rowid : undefined;
}

/**
 * The live cursor the next start resumes from, in state.db `meta`: the persistence of the account's `RowCursor`.
 * Written at once, then at most once per interval, and at `close`; a crash replays the rows since, deduped by guid.
 */
export class LiveCursorStore {
  /** What the last start saved (undefined on a first start, or when it is not a rowid). */
  readonly loaded: number | undefined;
  readonly #options: LiveCursorStoreOptions;
  #toSave: number | undefined;
  #saved: number | undefined;
  #waiting = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: LiveCursorStoreOptions) {
    this.#options = options;
    this.loaded = parseSavedCursor(options.meta.getMeta(options.key));
    this.#saved = this.loaded;
  }

  /** True once a cursor is on disk (loaded or saved since). */
  get hasSaved(): boolean {
    return this.#saved !== undefined;
  }

  /** Saves `rowid`: at once, then at most once per interval. */
  save(rowid: number): void {
    this.#toSave = rowid;
    if (this.#timer !== undefined) return;
    this.#write();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#toSave !== undefined && this.#toSave !== this.#saved) this.save(this.#toSave);
    }, this.#options.intervalMs ?? 1_000);
    this.#timer.unref();
  }

  /** Stops the timer and writes what is still unsaved (a write waiting for state.db stays queued). */
  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#write();
  }

  #write(): void {
    // A save waiting for state.db writes the newest cursor when it runs.
    if (this.#waiting || this.#toSave === undefined || this.#toSave === this.#saved) return;
    const { meta, key, writes, logger } = this.#options;
    const save = (): void => {
      const rowid = this.#toSave;
      if (rowid === undefined || rowid === this.#saved) return;
      meta.setMeta(key, String(rowid));
      this.#saved = rowid;
    };
    try {
      const written = writes.run(save);
      if (!(written instanceof Promise)) return;
      this.#waiting = true;
      written
        .catch((error: unknown) => logger.warn({ err: error }, `could not save the cursor: ${errorMessage(error)}`))
        .finally(() => {
          this.#waiting = false;
        });
    } catch (error) {
      logger.warn({ err: error }, `could not save the cursor: ${errorMessage(error)}`);
    }
  }
}
