import type { DatabaseSync } from "node:sqlite";
import { type BridgeState, readBridgeState } from "./bridge-state.ts";
import { openChatDbForWriting } from "./chat-db-schema.ts";
import type { ChatStore } from "./chat-store.ts";
import type { DatabaseGenerations, DatabaseStatus } from "./database-generations.ts";
import type { DeliveryData } from "./delivery-outcome.ts";
import { payloadFieldsFor } from "./message-fields.ts";
import type { NotificationOutput } from "./notification-output.ts";
import type { ImsgPersonality } from "./personality.ts";
import type { SendStatusFault } from "./send-progress.ts";
import type { Platform } from "./status-report.ts";
import { UrlBalloonDedupe } from "./url-balloon-dedupe.ts";
import type { WireMessage } from "./wire-types.ts";

/** A live stream of a session (`watch.subscribe`, `bridge.events.subscribe`); they share ids and the 0.14+ cap. */
export interface Subscription {
  /** Ends the stream silently (unsubscribe, EOF). */
  stop(): void;
}

export interface SessionSettings {
  dbPath: string;
  platform: Platform;
  /** Flag overrides applied on top of the bridge state file on every read. */
  bridgeOverrides: Partial<BridgeState>;
  /** The local account's caller id, written as `destination_caller_id` of outgoing rows. */
  callerId: string;
  pollIntervalMs: number;
  fileWatch: boolean;
  /**
   * Fault of the AppleScript send path: `ghost-row` writes Tahoe's unjoined empty outgoing row and fails a
   * chat-target send like imsg; `unverified` writes the row but answers without `id`/`guid`, as when
   * imsg's 2 s verification misses it.
   */
  sendFault?: "ghost-row" | "unverified";
  /** JSON file of simulated Contacts cards (Mac personality only). */
  contactsPath?: string;
  /** Run a new subscription's first poll before its `watch.subscribe` response, so notifications win the race. */
  notifyBeforeResponse?: boolean;
  /** The imsg release played (`--imsg-version`): its methods (others answer -32601) and runtime. */
  personality: ImsgPersonality;
  /** 0.14+ watch faults: overflow after this many accepted rows (`--fault-watch-overflow-after`). */
  watchOverflowAfter?: number;
  /** Re-deliver this many rows at or before a positive `since_rowid` (`--fault-redeliver-last`, at-least-once). */
  redeliverLast?: number;
  /** How tracked sends end (`--fault-send-status`); absent: delivered. */
  sendStatusFault?: SendStatusFault;
  /** Milliseconds per step of a tracked send (pending → sent → delivered); `--send-progress-ms`, default 500. */
  sendProgressMs?: number;
  /** Recipients that are not on iMessage (`--sms-only a,b`): `handles.check` says unavailable, sends fall back to SMS. */
  smsOnlyRecipients?: string[];
  /** Appends one JSON line per request read (`{"kind":"rpc","method":…}`), for tests that check what a client asked. */
  requestLog?: string;
  /** Appends one JSON line per -32700/-32600/-32602 answer (`--protocol-error-log`), for strict contract tests. */
  protocolErrorLog?: string;
}

/**
 * Per-process state of one `imsg-sim rpc`: the read store, a lazy writer, subscriptions, shared de-dupe. The store is
 * either opened once at startup (0.9.0–0.13, and the CLI commands) or a `DatabaseGenerations` (0.14+'s lazy database).
 */
export class SimSession {
  readonly settings: SessionSettings;
  readonly subscriptions = new Map<number, Subscription>();
  readonly dedupe = new UrlBalloonDedupe();
  readonly emitMessage: (subscription: number, message: WireMessage) => void;
  readonly emitError: (subscription: number, message: string) => void;
  /** Notifications with the reader's back-pressure (0.14+ bounded subscriptions). */
  readonly output: NotificationOutput;
  /** Cleanups run by `close` (e.g. timers of simulated delivery progress). */
  readonly closers: Array<() => void> = [];
  #nextSubscriptionId = 1;
  #writer: DatabaseSync | undefined;
  readonly #fixedStore: ChatStore | undefined;
  readonly #generations: DatabaseGenerations | undefined;
  #mutationLaneBlockedBy: DeliveryData | undefined;

  constructor(
    settings: SessionSettings,
    store: ChatStore | DatabaseGenerations,
    emitMessage: (subscription: number, message: WireMessage) => void,
    emitError: (subscription: number, message: string) => void,
    output?: NotificationOutput,
  ) {
    this.settings = settings;
    if ("current" in store) this.#generations = store;
    else this.#fixedStore = store;
    if (!("current" in store)) store.payload = payloadFieldsFor(settings.personality);
    this.emitMessage = emitMessage;
    this.emitError = emitError;
    this.output = output ?? {
      notify: (method, params) => {
        const { subscription, message, error } = params as { subscription: number; message?: unknown; error?: unknown };
        if (method === "message") emitMessage(subscription, message as WireMessage);
        else if (method === "error") emitError(subscription, (error as { message: string }).message);
      },
      backedUp: () => false,
      onceDrained: (listener) => setImmediate(listener),
    };
  }

  /**
   * The read store. Under the lazy database it is the current generation's (reopened when the file was replaced) and
   * throws the -32002 `RpcError` while the db cannot be opened; a subscription keeps the store it read at subscribe time.
   */
  get store(): ChatStore {
    return this.#generations ? this.#generations.current() : this.#fixedStore!;
  }

  /** `status.database` (docs/imsg-protocol.md, Lazy database): retries the open, like every request. */
  databaseStatus(): DatabaseStatus {
    if (this.#generations) return this.#generations.status();
    return { path: this.settings.dbPath, ready: true };
  }

  /** True when a db request would be served now (always, for a store opened at startup). */
  databaseReady(): boolean {
    return this.#generations ? this.#generations.ready() : true;
  }

  /** The `still_in_flight` failure that blocked 0.14+'s mutation lane; later mutations answer -32004 until restart. */
  get mutationLaneBlockedBy(): DeliveryData | undefined {
    return this.#mutationLaneBlockedBy;
  }

  /**
   * Blocks the mutation lane for the life of the process (docs/imsg-protocol.md, Typed errors). The dispatcher calls it
   * for a `still_in_flight` failure; a handler may call it itself after answering `ok`, as `poll.send` does when only
   * its caption stays in flight.
   */
  blockMutationLane(delivery: DeliveryData): void {
    this.#mutationLaneBlockedBy ??= delivery;
  }

  nextSubscriptionId(): number {
    const id = this.#nextSubscriptionId;
    this.#nextSubscriptionId += 1;
    return id;
  }

  /** The writable connection used by the simulated Messages.app (sends and bridge actions). */
  writer(): DatabaseSync {
    if (this.#generations) return this.#generations.writer();
    this.#writer ??= openChatDbForWriting(this.settings.dbPath);
    return this.#writer;
  }

  bridge(): BridgeState {
    return { ...readBridgeState(this.settings.dbPath), ...this.settings.bridgeOverrides };
  }

  /** Stops every subscription without a notification (unsubscribe, EOF). */
  cancelSubscriptions(): void {
    for (const subscription of this.subscriptions.values()) subscription.stop();
    this.subscriptions.clear();
  }

  close(): void {
    for (const closer of this.closers.splice(0)) closer();
    this.cancelSubscriptions();
    this.#writer?.close();
    this.#fixedStore?.close();
    this.#generations?.close();
  }
}
