import { join } from "node:path";
import type { CatchupMethod, CatchupPassReport } from "@imessage-channel/catchup";
import { writeFileAtomically } from "@imessage-channel/kit";
import { type OutboundPartState, outboundPartStates } from "@imessage-channel/state";

/**
 * `degraded`: imsg is connected but rows wait, e.g. because state.db cannot be written; `reason` says why.
 * `stopped`: the gateway shut down cleanly (SIGTERM/SIGINT); the last file it wrote says so.
 */
export type ConnectionState =
  | "starting"
  | "connecting"
  | "catching-up"
  | "connected"
  | "degraded"
  | "reconnecting"
  | "failed"
  | "stopped";

/** While imsg is being restarted (`reconnecting`, `failed`): which try failed last and when the next one starts. */
export interface RetryStatus {
  attempt: number;
  nextAt: string;
}

export interface AccountCounters {
  received: number;
  dispatched: number;
  deduped: number;
  replayed: number;
  sent: number;
  failed: number;
  dropped: Record<string, number>;
}

/** Where this start's catchup stands (present once a pass finished). */
export interface CatchupStatus {
  /** The imsg method it reads with: `messages.after` on 0.14+, `messages.history` before (and on a first run). */
  source: CatchupMethod;
  passes: number;
  /** Rows read and not yet replayed; 0 once the backlog is drained. */
  pending: number;
  /** imsg has rows catchup has not read yet, so more than `pending` may wait. */
  unread: boolean;
}

/** What `<stateDir>/imessage/status/<account>.json` holds (apps/gateway/README.md, Operations); `status` reads it. */
export interface AccountStatus {
  accountId: string;
  state: ConnectionState;
  reason?: string;
  /** Set only while `reconnecting` or `failed`. */
  retry?: RetryStatus;
  pid: number;
  startedAt: string;
  updatedAt: string;
  /** When the gateway stopped (state `stopped`). */
  stoppedAt?: string;
  lastEventAt?: string;
  /** What happened at `lastEventAt`: a counter's name (`received`, `sent`, `failed`…) or `dropped <reason>`. */
  lastEvent?: string;
  imsg?: {
    version?: string;
    rpcMethods?: string[];
    privateApi?: { available: boolean | null; selectors: Record<string, boolean> };
  };
  counters: AccountCounters;
  catchup?: CatchupStatus;
  /** The account's outbound parts per state (docs/exactly-once.md), as state.db had them when the file was written. */
  outbox: Record<OutboundPartState, number>;
}

/** The account's outbound parts per state; the gateway reads them from state.db (`state.parts.counts`). */
export type OutboxCounts = () => Record<OutboundPartState, number>;

function noParts(): Record<OutboundPartState, number> {
  return Object.fromEntries(outboundPartStates.map((state) => [state, 0])) as Record<OutboundPartState, number>;
}

export function statusFilePath(stateDir: string, accountId: string): string {
  return join(stateDir, "imessage", "status", `${encodeURIComponent(accountId)}.json`);
}

/** Keeps one account's live status and writes it to disk every few seconds and on each state change. */
export class AccountStatusReporter {
  readonly #path: string;
  readonly #status: AccountStatus;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #now: () => Date;
  /** The imsg connection's own state; `degraded` is shown over `connected` / `catching-up` while set. */
  #connection: { state: ConnectionState; reason?: string; retry?: RetryStatus } = { state: "starting" };
  #degraded: string | undefined;
  readonly #onChange: ((status: AccountStatus) => void) | undefined;
  readonly #outboxCounts: OutboxCounts | undefined;

  /**
   * `onChange`: told each change of the shown state (connecting, connected, degraded, …), with the new status.
   * `outboxCounts`: read each time the file is written (without it the counts stay zero).
   */
  constructor(options: {
    stateDir: string;
    accountId: string;
    now?: () => Date;
    onChange?: (status: AccountStatus) => void;
    outboxCounts?: OutboxCounts;
  }) {
    this.#now = options.now ?? (() => new Date());
    this.#onChange = options.onChange;
    this.#outboxCounts = options.outboxCounts;
    this.#path = statusFilePath(options.stateDir, options.accountId);
    const now = this.#now().toISOString();
    this.#status = {
      accountId: options.accountId,
      state: "starting",
      pid: process.pid,
      startedAt: now,
      updatedAt: now,
      counters: { received: 0, dispatched: 0, deduped: 0, replayed: 0, sent: 0, failed: 0, dropped: {} },
      outbox: noParts(),
    };
  }

  get snapshot(): AccountStatus {
    return structuredClone(this.#status);
  }

  /** `retry`: for `reconnecting` and `failed`, the failed try's number and the delay before the next one. */
  setState(state: ConnectionState, reason?: string, retry?: { attempt: number; inMs: number }): void {
    // Nothing after the stop overwrites it (a catchup unwinding, the child's last exit).
    if (this.#status.state === "stopped") return;
    this.#connection = {
      state,
      reason,
      ...(retry
        ? {
            retry: {
              attempt: retry.attempt,
              nextAt: new Date(this.#now().getTime() + retry.inMs).toISOString(),
            },
          }
        : {}),
    };
    this.#show();
  }

  /** Rows wait although imsg is connected (e.g. `state.db not writable (database is locked)`); undefined clears it. */
  setDegraded(reason: string | undefined): void {
    this.#degraded = reason;
    this.#show();
  }

  #show(): void {
    const { state, reason, retry } =
      this.#degraded !== undefined &&
      (this.#connection.state === "connected" || this.#connection.state === "catching-up")
        ? { state: "degraded" as const, reason: this.#degraded, retry: undefined }
        : this.#connection;
    if (
      this.#status.state === state &&
      this.#status.reason === reason &&
      this.#status.retry?.attempt === retry?.attempt
    )
      return;
    this.#status.state = state;
    this.#status.reason = reason;
    if (retry) this.#status.retry = retry;
    else delete this.#status.retry;
    void this.flush();
    this.#onChange?.(this.snapshot);
  }

  setImsg(imsg: AccountStatus["imsg"]): void {
    this.#status.imsg = imsg;
  }

  count(counter: Exclude<keyof AccountCounters, "dropped">, by = 1): void {
    this.#status.counters[counter] += by;
    this.#event(counter);
  }

  drop(reason: string, by = 1): void {
    this.#status.counters.dropped[reason] = (this.#status.counters.dropped[reason] ?? 0) + by;
    this.#event(`dropped ${reason}`);
  }

  /** One catchup pass finished: rows it skipped for age count as `dropped["catchup-too-old"]`. */
  countCatchupPass(report: CatchupPassReport): void {
    if (report.counters.skippedTooOld > 0) this.drop("catchup-too-old", report.counters.skippedTooOld);
    this.#status.catchup = {
      source: report.method,
      passes: report.pass,
      pending: report.pending,
      unread: report.unread,
    };
  }

  /** A row arrived. */
  touch(): void {
    this.#event("received");
  }

  #event(what: string): void {
    this.#status.lastEventAt = this.#now().toISOString();
    this.#status.lastEvent = what;
  }

  /** Starts periodic writes. */
  start(intervalMs = 2_000): void {
    void this.flush();
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  /** Stops the periodic writes; the last write says `stopped`, so `status` does not show a stopped gateway as up. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#degraded = undefined;
    this.#status.stoppedAt = this.#now().toISOString();
    this.setState("stopped");
    await this.flush();
  }

  /** Writes the current status; writes are serialized so an older snapshot never overwrites a newer one. */
  flush(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      this.#status.updatedAt = this.#now().toISOString();
      this.#refreshOutbox();
      await writeFileAtomically(this.#path, `${JSON.stringify(this.#status, null, 2)}\n`, {
        mode: 0o600,
        directoryMode: 0o700,
      }).catch(() => {});
    });
    return this.#writing;
  }

  #refreshOutbox(): void {
    try {
      if (this.#outboxCounts) this.#status.outbox = this.#outboxCounts();
    } catch {
      // state.db closed (the last write at shutdown) or unreadable for a moment: the last counts stay.
    }
  }
}
