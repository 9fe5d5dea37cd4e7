import type { DatabaseSync } from "node:sqlite";
import { type Clock, systemClock } from "@imessage-channel/kit";
import { AcpBindingStore } from "./acp-bindings.ts";
import { EchoCache, type EchoCacheOptions } from "./echo-cache.ts";
import { InboundJournal, type InboundJournalOptions } from "./inbound-journal.ts";
import { MetaStore } from "./meta-store.ts";
import { OutboundParts } from "./outbound-parts.ts";
import { PairingStore } from "./pairing-store.ts";
import { ReplyCache, type ReplyCacheOptions } from "./reply-cache.ts";
import { ReplyOutbox } from "./reply-outbox.ts";
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
  close(): void;
}

/**
 * Opens the shared state database. Safe to call from several processes at once (the gateway and the CLI):
 * every write is its own IMMEDIATE transaction and every read sees the latest commit, so nothing is cached.
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
  const close = (): void => {
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
    close,
    [Symbol.dispose]: close,
  };
}
