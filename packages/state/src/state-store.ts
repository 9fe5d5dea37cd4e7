import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "@imessage-channel/kit";
import { AcpBindingStore } from "./acp-bindings.ts";
import { type DurabilityOptions, type DurabilityStats, DurabilityTick } from "./durability-tick.ts";
import { EchoCache, type EchoCacheOptions } from "./echo-cache.ts";
import { immediateTransaction } from "./immediate-transaction.ts";
import { InboundJournal, type InboundJournalOptions } from "./inbound-journal.ts";
import { MetaStore } from "./meta-store.ts";
import { OutboundParts } from "./outbound-parts.ts";
import { PairingStore } from "./pairing-store.ts";
import { ReplyCache, type ReplyCacheOptions } from "./reply-cache.ts";
import { ReplyOutbox } from "./reply-outbox.ts";
import { SqliteAccountLeases } from "./sqlite-account-leases.ts";
import { openDatabase, setBusyTimeout } from "./sqlite-database.ts";
import { stateDatabasePath } from "./state-dir.ts";

export interface OpenStateStoreOptions {
  /** The state dir; the database lives at `<stateDir>/imessage/state.db`. See `resolveStateDir`. */
  stateDir: string;
  /** Injected time for every expiry (pairing, leases, TTLs). Default `Date.now`. */
  clock?: Pick<Clock, "now">;
  /** Called with each warning (e.g. a corrupt database moved aside); they are also in `store.warnings`. */
  onWarning?: (warning: string) => void;
  /**
   * How long a write waits for another process's write lock once the store is open (default 10 s; opening always
   * waits 10 s). The gateway passes `hotPathBusyTimeoutMilliseconds`: SQLite waits synchronously.
   */
  busyTimeoutMilliseconds?: number;
  /**
   * How often the WAL is fsynced off the event loop when something was committed (default every 200 ms): power
   * loss can lose the commits of about that long (docs/reliability.md, "Durability of state.db").
   */
  durability?: DurabilityOptions;
  inbound?: InboundJournalOptions;
  echoes?: EchoCacheOptions;
  replies?: ReplyCacheOptions;
}

export interface StateStore extends Disposable {
  /** Absolute path of state.db. */
  readonly path: string;
  /** Warnings raised while opening, e.g. that a corrupt database was moved aside. */
  readonly warnings: readonly string[];
  readonly pairing: PairingStore;
  readonly inbound: InboundJournal;
  readonly echoes: EchoCache;
  readonly replies: ReplyCache;
  readonly outbox: ReplyOutbox;
  /** Every outbound message as a part with an identity and a state (docs/exactly-once.md). */
  readonly parts: OutboundParts;
  readonly bindings: AcpBindingStore;
  readonly meta: MetaStore;
  /** The account lease with its fencing token, for gateways on this host (nothing on the hot path reads it). */
  readonly leases: SqliteAccountLeases;
  /** What the durability tick did so far: fdatasyncs of the WAL, and whether it runs. */
  readonly durability: DurabilityStats;
  /**
   * Runs `work` as one IMMEDIATE transaction: the stores' writes inside it (each otherwise its own transaction)
   * commit together or not at all, for one commit instead of several. `work` must be synchronous.
   */
  transaction<Result>(work: () => Result): Result;
  /**
   * Resolves once every commit made before the call is on disk, also against power loss (an fdatasync of the WAL on
   * the thread pool, shared by concurrent callers); kill -9 never loses a commit, so only a caller that must know
   * its write survives power loss before it acts (a plain send that nothing but history can prove) waits for it.
   */
  durable(): Promise<void>;
  close(): void;
}

/**
 * Opens the shared state database. Safe to call from several processes at once (the gateway and the CLI):
 * every write is its own IMMEDIATE transaction (or joins the one `transaction` runs) and every read sees the latest
 * commit. Commits survive kill -9 at once and power loss within a durability tick (`durability`).
 * On open, claims left by dead processes of this host are released and old journal entries pruned.
 */
export function openStateStore(options: OpenStateStoreOptions): StateStore {
  const clock = options.clock ?? systemClock;
  const path = stateDatabasePath(options.stateDir);
  const opened = openDatabase(path, clock.now());
  const warnings = opened.warning === undefined ? [] : [opened.warning];
  for (const warning of warnings) options.onWarning?.(warning);
  const database: DatabaseSync = opened.database;
  const inbound = new InboundJournal(database, clock, options.inbound);
  const outbox = new ReplyOutbox(database, clock);
  const parts = new OutboundParts(database, clock);
  try {
    inbound.releaseOrphanedClaims();
    inbound.prune();
    outbox.pruneCommitted();
    parts.prune();
    if (options.busyTimeoutMilliseconds !== undefined) setBusyTimeout(database, options.busyTimeoutMilliseconds);
  } catch (error) {
    database.close();
    throw error;
  }
  const durability = new DurabilityTick(database, path, options.durability);
  const close = (): void => {
    durability.close();
    if (database.isOpen) database.close();
  };
  return {
    path,
    warnings,
    pairing: new PairingStore(database, clock),
    inbound,
    echoes: new EchoCache(database, clock, options.echoes),
    replies: new ReplyCache(database, clock, options.replies),
    outbox,
    parts,
    bindings: new AcpBindingStore(database, clock),
    meta: new MetaStore(database, clock),
    leases: new SqliteAccountLeases(database, clock),
    durability,
    transaction: (work) => immediateTransaction(database, work),
    durable: () => durability.durable(),
    close,
    [Symbol.dispose]: close,
  };
}
