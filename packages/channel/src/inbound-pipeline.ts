import type { DispatchAttempts } from "@imessage-channel/catchup";
import type { AccountStatusReporter } from "./account-status.ts";
import type { GroupHistory } from "./group-history.ts";
import type { ImsgMessage } from "./imsg-port.ts";
import type { OutboxPort } from "./outbox.ts";
import { PairingChallenge } from "./pairing-challenge.ts";
import type { TurnBuffer } from "./pipeline-types.ts";
import { type Admission, RowAdmission } from "./row-admission.ts";
import type { RowSettlement } from "./row-settlement.ts";
import { RowTriage, type RowTriageOptions } from "./row-triage.ts";
import { createWarnOnce } from "./warn-once.ts";

export interface PipelineOptions extends Omit<RowTriageOptions, "groupHistory" | "warnOnce"> {
  status: AccountStatusReporter;
  /** The account's rows' settle and commit bookkeeping, shared with the turn runner that finishes them. */
  settlement: RowSettlement;
  /** Where mention-gated group messages wait; the turn runner takes them for the chat's next turn. */
  groupHistory: GroupHistory;
  /** Where admitted rows go to become turns (`createTurnBuffer` with the turn runner's `dispatch` as its sink). */
  buffer: TurnBuffer;
  /** Where the pairing code goes out, as every other message (docs/exactly-once.md). */
  outbox: OutboxPort;
  now?: () => number;
}

/**
 * The data flow of one inbound row (docs/architecture.md#data-flow): age fence → dedupe (claim) and echo drop →
 * attachments gate → policy → coalescer → session and system prompt → read receipt + typing → agent → reply → commit →
 * cursor. A row is claimed in the journal before anything else and the cursor only moves past it once it settled, so a
 * crash replays it and a restart never answers it twice. This class is the row's way in (`RowAdmission`); the turn
 * buffer it is given leads to the turn runner.
 */
export class InboundPipeline {
  readonly #admission: RowAdmission;
  readonly #settlement: RowSettlement;
  readonly #buffer: TurnBuffer;
  #accepting = true;

  constructor(options: PipelineOptions) {
    const now = options.now ?? Date.now;
    this.#settlement = options.settlement;
    this.#buffer = options.buffer;
    const triage = new RowTriage({ ...options, warnOnce: createWarnOnce(options.logger) });
    const pairing = new PairingChallenge({ ...options, now });
    this.#admission = new RowAdmission({ ...options, triage, pairing, now });
  }

  get inFlight(): number {
    return this.#settlement.cursor.openCount;
  }

  /**
   * A replayed row (catchup): resolves only once its turn finished (or it was dropped), so the catchup cursor
   * never moves past a row a crash would lose. Rejects when the row could not be journaled, or when shutdown
   * cancelled its turn. Each failed attempt of an unavailable agent at it is counted on `attempts`; once catchup
   * gives up on the row, the turn gets the error reply and the row settles.
   */
  async acceptReplayed(message: ImsgMessage, attempts?: DispatchAttempts): Promise<void> {
    // Shutting down: refuse, so the catchup cursor holds before this row and the next start replays it.
    if (!this.#accepting) throw new Error(`gateway is shutting down; row ${message.id} is replayed on the next start`);
    const settled = this.#settlement.waitForSettled(message.id, attempts);
    const outcome = await this.accept(message, { replayed: true });
    if (outcome === "duplicate" && !this.#settlement.cursor.isOpen(message.id))
      this.#settlement.resolveWaiter(message.id);
    await settled;
  }

  /** Stops taking new rows (shutdown); rows already inside still finish. */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /** Emits everything the coalescer holds, so nothing buffered is lost on shutdown. */
  flush(): Promise<void> {
    return this.#buffer.flush();
  }

  /**
   * Takes one streamed (or replayed) row. Resolves once the row has been triaged; its turn may still be running.
   * While state.db cannot be written the row waits for its claim (the cursor holds before it) and is taken once it
   * can. Rejects only when the journal fails otherwise; the row then counts as failed.
   */
  async accept(message: ImsgMessage, origin: { replayed: boolean }): Promise<Admission> {
    if (!this.#accepting) return "dropped";
    return this.#admission.accept(message, origin);
  }
}
