import type { DatabaseSync } from "node:sqlite";
import { type BridgeState, readBridgeState } from "./bridge-state.ts";
import { openChatDbForWriting } from "./chat-db-schema.ts";
import type { ChatStore } from "./chat-store.ts";
import { payloadFieldsFor } from "./message-fields.ts";
import type { ImsgPersonality } from "./personality.ts";
import type { SendStatusFault } from "./send-progress.ts";
import type { Platform } from "./status-report.ts";
import { UrlBalloonDedupe } from "./url-balloon-dedupe.ts";
import type { WatchSubscription } from "./watch-subscription.ts";
import type { WireMessage } from "./wire-types.ts";

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
  /** How tracked sends end (`--fault-send-status`); absent: delivered. */
  sendStatusFault?: SendStatusFault;
  /** Milliseconds per step of a tracked send (pending → sent → delivered); `--send-progress-ms`, default 500. */
  sendProgressMs?: number;
  /** Recipients that are not on iMessage (`--sms-only a,b`): `handles.check` says unavailable, sends fall back to SMS. */
  smsOnlyRecipients?: string[];
  /** Appends one JSON line per request read (`{"kind":"rpc","method":…}`), for tests that check what a client asked. */
  requestLog?: string;
}

/** Per-process state of one `imsg-sim rpc`: the read store, a lazy writer, subscriptions, shared de-dupe. */
export class SimSession {
  readonly settings: SessionSettings;
  readonly store: ChatStore;
  readonly subscriptions = new Map<number, WatchSubscription>();
  readonly dedupe = new UrlBalloonDedupe();
  readonly emitMessage: (subscription: number, message: WireMessage) => void;
  readonly emitError: (subscription: number, message: string) => void;
  /** Cleanups run by `close` (e.g. timers of simulated delivery progress). */
  readonly closers: Array<() => void> = [];
  #nextSubscriptionId = 1;
  #writer: DatabaseSync | undefined;

  constructor(
    settings: SessionSettings,
    store: ChatStore,
    emitMessage: (subscription: number, message: WireMessage) => void,
    emitError: (subscription: number, message: string) => void,
  ) {
    this.settings = settings;
    this.store = store;
    store.payload = payloadFieldsFor(settings.personality);
    this.emitMessage = emitMessage;
    this.emitError = emitError;
  }

  nextSubscriptionId(): number {
    const id = this.#nextSubscriptionId;
    this.#nextSubscriptionId += 1;
    return id;
  }

  /** The writable connection used by the simulated Messages.app (sends and bridge actions). */
  writer(): DatabaseSync {
    this.#writer ??= openChatDbForWriting(this.settings.dbPath);
    return this.#writer;
  }

  bridge(): BridgeState {
    return { ...readBridgeState(this.settings.dbPath), ...this.settings.bridgeOverrides };
  }

  close(): void {
    for (const closer of this.closers.splice(0)) closer();
    for (const subscription of this.subscriptions.values()) subscription.stop();
    this.subscriptions.clear();
    this.#writer?.close();
    this.store.close();
  }
}
