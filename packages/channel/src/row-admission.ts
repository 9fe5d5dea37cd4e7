import type { ResolvedAccount } from "@imessage-channel/config";
import type { Logger } from "@imessage-channel/kit";
import { normalizeHandle } from "@imessage-channel/policy";
import { type ClaimResult, notWritableReason, type StateStore } from "@imessage-channel/state";
import type { AccountStatusReporter } from "./account-status.ts";
import { chatAddressOf, chatKeys, type ImsgMessage } from "./imsg-port.ts";
import type { PairingChallenge } from "./pairing-challenge.ts";
import type { TurnBuffer } from "./pipeline-types.ts";
import type { RowSettlement } from "./row-settlement.ts";
import type { RowTriage } from "./row-triage.ts";

/** Triage attempts of one row that meet an unwritable state.db (a pairing request) before it counts as failed. */
const triageAttemptsWhileUnwritable = 3;

export interface RowAdmissionOptions {
  account: ResolvedAccount;
  state: StateStore;
  logger: Logger;
  status: AccountStatusReporter;
  settlement: RowSettlement;
  triage: RowTriage;
  pairing: PairingChallenge;
  /** Where admitted rows go to become turns. */
  buffer: TurnBuffer;
  now: () => number;
}

export type Admission = "queued" | "dropped" | "duplicate";

/**
 * One row's way in: begun on the cursor, our own rows and echoes dropped, the age fence, the journal claim (through
 * the write queue), then triage in chat order and what its decision says: the turn buffer, a drop, or a pairing
 * challenge.
 */
export class RowAdmission {
  readonly #options: RowAdmissionOptions;
  /** Per chat, the triage of its latest row: the next row of the chat waits for it (`#inChatOrder`). */
  readonly #triageTails = new Map<string, Promise<void>>();
  /** Rows whose claim waits for state.db: taken once it can be written; a re-streamed copy joins them. */
  readonly #unclaimed = new Set<number>();

  constructor(options: RowAdmissionOptions) {
    this.#options = options;
  }

  /**
   * Takes one streamed (or replayed) row. Resolves once the row has been triaged; its turn may still be running.
   * While state.db cannot be written the row waits for its claim (the cursor holds before it) and is taken once it
   * can. Rejects only when the journal fails otherwise; the row then counts as failed.
   */
  async accept(message: ImsgMessage, origin: { replayed: boolean }): Promise<Admission> {
    const { account, status, settlement } = this.#options;
    // A row still waiting for state.db to take its claim is no duplicate: a re-streamed copy joins it.
    if (this.#unclaimed.has(message.id)) return "queued";
    // A resubscribe re-streams rows still with the agent: the copy is a duplicate and must not settle the original.
    if (settlement.cursor.isOpen(message.id)) return "duplicate";
    status.touch();
    // A live row of imsg 0.14+ carries the stream's frontier (`cursor`): the saved cursor follows it, not the id.
    if (origin.replayed) settlement.cursor.begin(message.id, "replayed", message);
    else settlement.cursor.begin(message.id, "live", message, message.cursor);

    // Our own sends stream back too: they move the cursor but are not "received".
    if (message.isFromMe) {
      return this.#isEcho(message, true)
        ? settlement.drop(message, "echo", `our own send came back (row ${message.id})`, {
            journal: false,
            level: "info",
          })
        : settlement.drop(message, "from-me", "own message", { journal: false });
    }
    status.count("received");
    if (message.isReaction && account.reactionNotifications === "off") {
      return settlement.drop(message, "reaction", "tapback event (reactionNotifications is off)", { journal: false });
    }

    if (!origin.replayed) {
      const ageMinutes = (this.#options.now() - Date.parse(message.createdAt)) / 60_000;
      if (ageMinutes > account.maxInboundAgeMinutes) {
        return settlement.drop(
          message,
          "stale",
          `row ${message.id} is ${Math.round(ageMinutes)} min old (> maxInboundAgeMinutes ${account.maxInboundAgeMinutes}); iCloud sync writes old messages under new rowids`,
          { journal: false, level: "info" },
        );
      }
    }

    if (this.#isEcho(message, sentFromOwnHandle(message, account.phoneRegion))) {
      return settlement.drop(message, "echo", `our own send came back (row ${message.id}, from our own handle)`, {
        journal: false,
        level: "info",
      });
    }

    return this.#take(message, origin);
  }

  /** The journal claim, then triage in chat order. */
  async #take(message: ImsgMessage, origin: { replayed: boolean }, attempt = 1): Promise<Admission> {
    const { state, status, logger, settlement } = this.#options;
    let claim: ClaimResult | "not-taken" = "claimed";
    if (message.guid) {
      try {
        // Synchronous while state.db takes writes, so rows reach `#inChatOrder` in the order they came.
        const claiming = this.#claim(message);
        claim = claiming instanceof Promise ? await claiming : claiming;
      } catch (error) {
        // Not an unwritable state.db (that waits): the row cannot be journaled and must not hold the cursor forever.
        status.count("failed");
        settlement.settle(message);
        throw error;
      }
    }
    if (claim === "not-taken") return "dropped";
    if (claim !== "claimed") {
      status.count("deduped");
      logger.debug({ rowid: message.id, guid: message.guid, claim }, "duplicate row skipped");
      settlement.settle(message);
      return "duplicate";
    }

    try {
      return await this.#inChatOrder(message, () => this.#admit(message, origin.replayed));
    } catch (error) {
      const reason = notWritableReason(error);
      if (reason !== undefined && message.guid && attempt < triageAttemptsWhileUnwritable) {
        // Triage wrote to state.db (a pairing request) and could not: give the claim back and take the row again.
        logger.warn(
          { rowid: message.id, attempt },
          `inbound row ${message.id} waits: state.db not writable (${reason}); it is taken again once it can be written`,
        );
        const guid = message.guid;
        try {
          await settlement.writes.run(() => state.inbound.release(guid));
        } catch {
          return "dropped"; // shutdown came first: the cursor holds before the row, the next start takes it
        }
        return this.#take(message, origin, attempt + 1);
      }
      logger.error({ rowid: message.id, err: error }, `inbound row ${message.id} failed before dispatch`);
      settlement.release(message);
      status.count("failed");
      settlement.settle(message);
      return "dropped";
    }
  }

  /** Claims the row now, or — state.db cannot be written — once it can (the promise); a copy streamed meanwhile joins it. */
  #claim(message: ImsgMessage): ClaimResult | Promise<ClaimResult | "not-taken"> {
    const { state, account, settlement } = this.#options;
    const claiming = settlement.writes.run(() =>
      state.inbound.claim(message.guid, { accountId: account.accountId, rowid: message.id }),
    );
    return claiming instanceof Promise ? this.#claimWhenWritable(message, claiming) : claiming;
  }

  async #claimWhenWritable(message: ImsgMessage, claiming: Promise<ClaimResult>): Promise<ClaimResult | "not-taken"> {
    const { logger, settlement } = this.#options;
    this.#unclaimed.add(message.id);
    logger.debug(
      { rowid: message.id, waiting: settlement.writes.waiting },
      `row ${message.id} waits for state.db (${settlement.writes.blockedReason ?? "not writable"}) before it is claimed`,
    );
    try {
      return await claiming;
    } catch (error) {
      if (notWritableReason(error) === undefined) throw error;
      // Shutdown gave up on the claim: the saved cursor is before the row, so the next start takes it.
      logger.info({ rowid: message.id }, `row ${message.id} was not claimed before shutdown; the next start takes it`);
      return "not-taken";
    } finally {
      this.#unclaimed.delete(message.id);
    }
  }

  /**
   * Runs one row's triage after the previous row of the same chat finished its own. Triage waits on IO of varying
   * length (the chat's service, a tapback's target, attachments), and rows of one chat must still reach the
   * coalescer and the session queue in the order imsg streamed them; other chats go on in parallel.
   */
  #inChatOrder<T>(message: ImsgMessage, triage: () => Promise<T>): Promise<T> {
    const chat = message.chatId > 0 ? `id:${message.chatId}` : `guid:${message.chatGuid || message.sender}`;
    const previous = this.#triageTails.get(chat);
    const run = previous ? previous.then(triage) : triage();
    const tail = run.then(
      () => {},
      () => {},
    );
    this.#triageTails.set(chat, tail);
    void tail.then(() => {
      if (this.#triageTails.get(chat) === tail) this.#triageTails.delete(chat);
    });
    return run;
  }

  /** Triage's decision, carried out: the row joins the turn buffer, is dropped, or its sender is challenged. */
  async #admit(message: ImsgMessage, replayed: boolean): Promise<"queued" | "dropped"> {
    const { triage, settlement, pairing, buffer } = this.#options;
    const decision = await triage.triage(message, replayed);
    if (decision.kind === "drop")
      return settlement.drop(message, decision.reason, decision.detail, { level: decision.level });
    if (decision.kind === "pairing-challenge") {
      await pairing.challenge(message, decision.sender);
      return "dropped";
    }
    buffer.add(decision.row);
    return "queued";
  }

  /**
   * An echo is our own send coming back: its guid, or — for a row of ours only — its text in the same chat
   * within seconds. Another participant's row is never dropped because its words match what we said.
   */
  #isEcho(message: ImsgMessage, ours: boolean): boolean {
    const { account, state } = this.#options;
    return state.echoes.isEcho({
      accountId: account.accountId,
      chatKeys: chatKeys(chatAddressOf(message)),
      text: message.text,
      guid: message.guid,
      ours,
    });
  }
}

/** A row sent from our own handle (a chat with ourselves streams each send back as an incoming row too). */
function sentFromOwnHandle(message: ImsgMessage, region: string): boolean {
  if (!message.destinationCallerId || !message.sender) return false;
  return normalizeHandle(message.sender, region) === normalizeHandle(message.destinationCallerId, region);
}
