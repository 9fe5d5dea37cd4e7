import { EventEmitter } from "node:events";
import { type Clock, errorMessage, type Logger, silentLogger, systemClock } from "@imessage-channel/kit";
import { type Transport, TransportError } from "@imessage-channel/transport";
import { type BackoffOptions, BackoffSchedule } from "./backoff.ts";
import {
  ImsgRpcError,
  ImsgStartupError,
  RequestTimeoutError,
  RpcClientError,
  SubscriptionError,
  SubscriptionOverflowError,
} from "./errors.ts";
import { ImsgClient, type ImsgClientOptions } from "./imsg-client.ts";
import type { Message } from "./imsg-objects.ts";
import type { WatchSubscribeParams } from "./method-params.ts";
import type { NegotiatedProtocol } from "./negotiated-protocol.ts";
import { newestRowid } from "./newest-rowid.ts";
import type { Subscription } from "./subscription.ts";

export type SupervisorState = "starting" | "connected" | "reconnecting" | "failed" | "stopped";

export interface SupervisorStateChange {
  state: SupervisorState;
  /** Why the connection is not up (the error's one-line message). */
  reason?: string;
  error?: Error;
  /** Delay before the next try, for `reconnecting` and `failed`. */
  retryInMs?: number;
  /** How many tries in a row have failed, for `reconnecting` and `failed` (1 for the first). */
  attempt?: number;
  /** For `connected`: what this connection's `initialize` said (protocol 0 for builds before 0.14). */
  protocol?: NegotiatedProtocol;
}

/** Time as the supervisor sees it; tests inject their own. */

export interface LivenessOptions {
  /** How often the newest rowid of the database is compared with the last streamed one (default 15 000 ms). */
  intervalMs?: number;
  /** How long the database may be ahead of the stream before the supervisor acts (default 30 000 ms). */
  graceMs?: number;
  /** Chats (by latest activity) whose newest message is checked when the watch is not limited to one chat (default 5). */
  chatsToCheck?: number;
  /** Timeout of each liveness probe request (default: the client's read timeout). */
  probeTimeoutMs?: number;
}

export interface ImsgSupervisorOptions {
  /** A new, unstarted transport to one `imsg rpc` process; called for every (re)start. */
  createTransport: () => Transport;
  /** What to watch; the cursor is the supervisor's. */
  watch?: Omit<WatchSubscribeParams, "sinceRowid">;
  /** The last rowid already processed (the persisted cursor). Absent: start after the newest row at start-up. */
  cursor?: number;
  /**
   * With `cursor`: the first connection streams at most this many rows behind the newest one (the reference
   * resumes at most 500; older ones are catchup's), and a `cursor` ahead of the database (another chat.db) starts
   * after its newest row instead. Absent: `cursor` is used as it is.
   */
  resumeMaxRows?: number;
  logger?: Logger;
  backoff?: BackoffOptions;
  /** Liveness checking of the stream; `false` turns it off. */
  liveness?: LivenessOptions | false;
  /** Timeouts and buffer sizes for each client. */
  client?: Omit<ImsgClientOptions, "transport" | "logger">;
  clock?: Clock;
  random?: () => number;
}

export interface ImsgSupervisorEvents {
  /**
   * A streamed row, in stream order. Once it and every row before it are durably handled, call
   * `ack(message.cursor ?? message.id)`: on imsg 0.14+ `cursor` is how far the stream had read (it can be below the
   * id of a row sent while an earlier one waits for its link preview, or past it when a preview is folded in).
   */
  message: [message: Message];
  state: [change: SupervisorStateChange];
  /**
   * The database behind the cursor was replaced (its rows all lie below the cursor: a restore, another chat.db): the
   * cursor was discarded and the stream resubscribed after `rowid` (at most `resumeMaxRows` below its newest row). A consumer keeping
   * its own cursor must start it over there too.
   */
  "database-replaced": [change: { rowid: number; previous: number }];
}

/**
 * The queue a 0.14+ stream asks imsg for (its default is 256): room for a burst such as an iCloud sync, so an
 * overflow, which costs a `messages.after` read, stays rare (docs/imsg-protocol.md#watch-on-010).
 */
export const watchBufferLimit = 1024;

/** The largest `messages.after` page (imsg refuses more): an overflow is read back in as few requests as it can. */
const overflowPageLimit = 500;

/**
 * imsg 0.14+ starts without the database and answers -32002 while it cannot open it (docs/imsg-protocol.md#lazy-database):
 * the one line an operator needs, with both usual causes. Undefined for every other error.
 */
function databaseUnavailableReason(error: Error): string | undefined {
  if (!ImsgRpcError.isInstance(error)) return undefined;
  const unavailable = error.databaseUnavailable;
  if (unavailable === undefined) return undefined;
  const where = unavailable.path === undefined ? "" : ` (${unavailable.path})`;
  const said = unavailable.detail === undefined ? "" : ` (imsg: ${unavailable.detail})`;
  return `imsg cannot open the Messages database${where}: grant Full Disk Access to the app that runs imsg on the Mac (Terminal when started by hand, node under launchd), or fix the account's dbPath; retrying${said}`;
}

/** Why a subscription was given up on purpose, so the session loop knows what to do next. */
type Interruption = "resubscribe" | "restart" | undefined;

/**
 * Keeps one `imsg rpc` child alive and its watch stream flowing: restarts on exit or SSH drop with exponential
 * backoff and jitter, resubscribes from the last acknowledged rowid (nothing acknowledged is delivered again,
 * nothing unacknowledged is lost), backs off on startup errors instead of hot-looping, and checks liveness:
 * a stream that falls behind the database is resubscribed, then the child restarted.
 */
export class ImsgSupervisor extends EventEmitter<ImsgSupervisorEvents> {
  readonly #options: ImsgSupervisorOptions;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #backoff: BackoffSchedule;
  readonly #liveness: (Required<Omit<LivenessOptions, "probeTimeoutMs">> & LivenessOptions) | undefined;
  #acknowledged: number | undefined;
  #startCursor: number | undefined;
  /** A `cursor` from the options is checked against the database once, on the first connection. */
  #resumeChecked: boolean;
  #lastStreamed: number | undefined;
  #client: ImsgClient | undefined;
  #protocol: NegotiatedProtocol | undefined;
  #subscription: Subscription | undefined;
  #interruption: Interruption;
  /** After an overflow, how far messages.after read: the next subscription of this child streams after it. */
  #readThrough = 0;
  /** Why the current `restart` interruption was asked for, for the reconnecting state's reason. */
  #restartReason = "its stream stayed silent";
  #state: SupervisorState = "stopped";
  #stopping = false;
  #running: Promise<void> | undefined;
  #wakeSleep: (() => void) | undefined;

  constructor(options: ImsgSupervisorOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#backoff = new BackoffSchedule(options.backoff, options.random);
    this.#liveness =
      options.liveness === false
        ? undefined
        : {
            intervalMs: options.liveness?.intervalMs ?? 15_000,
            graceMs: options.liveness?.graceMs ?? 30_000,
            chatsToCheck: options.liveness?.chatsToCheck ?? 5,
            probeTimeoutMs: options.liveness?.probeTimeoutMs,
          };
    this.#startCursor = options.cursor;
    this.#resumeChecked = options.cursor === undefined || options.resumeMaxRows === undefined;
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** The last rowid the consumer acknowledged (the resume point), or the starting cursor. */
  get cursor(): number | undefined {
    if (this.#acknowledged === undefined) return this.#startCursor;
    if (this.#startCursor === undefined) return this.#acknowledged;
    return Math.max(this.#acknowledged, this.#startCursor);
  }

  /** What the current connection negotiated (`initialize`), once it answered; kept across reconnects until the next. */
  get protocol(): NegotiatedProtocol | undefined {
    return this.#protocol;
  }

  /** The client of the running child, for calls (send, history…); undefined while (re)connecting. */
  get client(): ImsgClient | undefined {
    return this.#state === "connected" ? this.#client : undefined;
  }

  /** The client of the running child, or a NOT_CONNECTED error that says what the supervisor is doing. */
  requireClient(): ImsgClient {
    const client = this.client;
    if (client !== undefined) return client;
    throw new RpcClientError(
      "NOT_CONNECTED",
      `imsg is not connected (state: ${this.#state}); retry after the next "connected" state`,
    );
  }

  /** Marks every row up to `rowid` as handled: a restart resumes after it. */
  ack(rowid: number): void {
    if (this.#acknowledged === undefined || rowid > this.#acknowledged) this.#acknowledged = rowid;
  }

  start(): void {
    if (this.#running !== undefined) return;
    this.#stopping = false;
    this.#running = this.#run();
  }

  /** Stops restarting, closes the child, and resolves once everything is down. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wakeSleep?.();
    await this.#client?.close();
    await this.#running;
    this.#running = undefined;
  }

  async #run(): Promise<void> {
    this.#setState({ state: "starting" });
    while (!this.#stopping) {
      const connectedAt: { at?: number } = {};
      const ended = await this.#session(connectedAt).then(
        (error) => error,
        (error: unknown) => error,
      );
      if (this.#stopping) break;
      if (connectedAt.at !== undefined) this.#backoff.connectionEnded(this.#clock.now() - connectedAt.at);
      const error = ended instanceof Error ? ended : new Error(String(ended));
      const retryInMs = this.#backoff.next();
      // Never reaching "connected" (Full Disk Access, imsg missing, a host key refused, a TCC prompt that
      // blocks the first answer) is a start failure to report, not a dropped connection.
      const failed =
        ImsgStartupError.isInstance(error) || TransportError.isInstance(error) || connectedAt.at === undefined;
      const reason = databaseUnavailableReason(error) ?? error.message;
      const retry = `attempt ${this.#backoff.attempt}, next in ${(retryInMs / 1000).toFixed(1)} s`;
      this.#logger.warn(
        { reason, retryInMs, attempt: this.#backoff.attempt },
        failed ? `imsg cannot start; retrying later (${retry})` : `imsg connection lost; restarting (${retry})`,
      );
      this.#setState({
        state: failed ? "failed" : "reconnecting",
        reason,
        error,
        retryInMs,
        attempt: this.#backoff.attempt,
      });
      await this.#sleep(retryInMs);
    }
    this.#setState({ state: "stopped" });
  }

  /** One child's life: start, subscribe (again after stream errors or staleness), until the child is gone. */
  async #session(connectedAt: { at?: number }): Promise<Error> {
    const client = new ImsgClient({
      ...this.#options.client,
      transport: this.#options.createTransport(),
      logger: this.#logger,
    });
    this.#client = client;
    // imsg 0.14+ runs no mutation after one it reports still in flight until the child restarts: restart it now,
    // resuming the watch from the cursor (nothing streamed is lost, docs/imsg-protocol.md#typed-errors).
    client.on("mutations-blocked", (error) => {
      this.#logger.error(
        { code: error.code, operation: error.delivery?.operation, disposition: error.delivery?.disposition },
        "imsg blocked its mutation lane (a send is still in flight); restarting it so replies can go out again",
      );
      this.#interrupt("restart", "it blocked mutations behind a send still in flight");
    });
    try {
      await client.start();
      this.#throwIfStopping();
      // Every connection starts with `initialize` (docs/imsg-protocol.md#initialize-and-status): a build before 0.14
      // answers -32601 and speaks protocol 0.
      this.#protocol = await client.initialize();
      this.#throwIfStopping();
      const watch = this.#options.watch ?? {};
      if (this.cursor === undefined) {
        this.#startCursor = await newestRowid(client, watch, this.#liveness?.chatsToCheck);
      } else if (!this.#resumeChecked) {
        await this.#boundResume(client, watch);
      }
      let liveness: { stop(): void } | undefined;
      this.#readThrough = 0;
      const subscribeParams: WatchSubscribeParams = {
        ...watch,
        ...(this.#protocol.protocolVersion >= 1 ? { bufferLimit: watchBufferLimit } : {}),
      };
      try {
        for (;;) {
          const since = Math.max(this.cursor ?? 0, this.#readThrough);
          // 0 would mean "tail from MAX(ROWID)" to imsg (docs/imsg-protocol.md#cursor); a cursor of 0 means nothing was
          // processed yet.
          const subscription = await client.subscribe({ ...subscribeParams, sinceRowid: since > 0 ? since : -1 });
          this.#throwIfStopping();
          const subscribedAt = this.#clock.now();
          this.#subscription = subscription;
          this.#interruption = undefined;
          if (connectedAt.at === undefined) {
            connectedAt.at = this.#clock.now();
            this.#setState({ state: "connected", protocol: this.#protocol });
          }
          liveness ??= this.#startLiveness(client);
          const ended = await this.#consume(subscription);
          if (this.#stopping) return new RpcClientError("CLIENT_CLOSED", "the supervisor was stopped");
          if (this.#interruption === "resubscribe") continue;
          if (this.#interruption === "restart") {
            await client.close();
            return new RpcClientError("CHILD_EXITED", `restarted imsg because ${this.#restartReason}`);
          }
          if (SubscriptionOverflowError.isInstance(ended) && client.running) {
            this.#readThrough = await this.#readOverflow(client, ended, watch);
            continue;
          }
          if (SubscriptionError.isInstance(ended) && client.running) {
            this.#logger.warn(
              { reason: ended.message, cursor: this.cursor },
              "resubscribing after imsg ended the stream",
            );
            this.#backoff.connectionEnded(this.#clock.now() - subscribedAt);
            await this.#sleep(this.#backoff.next());
            continue;
          }
          return ended ?? new RpcClientError("CHILD_EXITED", `${client.description} stopped streaming`);
        }
      } finally {
        liveness?.stop();
      }
    } catch (error) {
      await client.close();
      throw error;
    } finally {
      this.#subscription = undefined;
    }
  }

  /**
   * imsg 0.14+ ended the stream because its queue filled: every row after `resumeAfterRowid` is read with
   * `messages.after`, page by page, and handed out like streamed rows before the stream is resubscribed after the
   * last page (docs/imsg-protocol.md#watch-on-010). Rows come again at worst (the consumer dedupes by guid), never
   * lost. Resolves with where the next subscription starts; 0 (the cursor) when imsg offers no `messages.after`.
   */
  async #readOverflow(
    client: ImsgClient,
    overflow: SubscriptionOverflowError,
    watch: Omit<WatchSubscribeParams, "sinceRowid">,
  ): Promise<number> {
    if (!this.#protocol?.methods?.includes("messages.after")) {
      this.#logger.warn(
        { resumeAfterRowid: overflow.resumeAfterRowid, cursor: this.cursor },
        "imsg's watch queue overflowed and it offers no messages.after; resubscribing from the cursor",
      );
      return 0;
    }
    let since = Math.max(overflow.resumeAfterRowid, this.cursor ?? 0);
    const first = since;
    let rows = 0;
    for (;;) {
      const page = await client.messagesAfter({
        sinceRowid: since,
        limit: overflowPageLimit,
        ...(watch.chatId === undefined ? {} : { chatId: watch.chatId }),
        ...(watch.includeReactions === undefined ? {} : { includeReactions: watch.includeReactions }),
        ...(watch.attachments === undefined ? {} : { attachments: watch.attachments }),
        ...(watch.convertAttachments === undefined ? {} : { convertAttachments: watch.convertAttachments }),
      });
      this.#throwIfStopping();
      page.messages.forEach((message, index) => {
        // A page is in rowid order and folds each preview into its text row: every row below the next message
        // (or up to next_rowid, after the last) is read, so that is this message's cursor, as the stream would say.
        const next = page.messages[index + 1];
        this.#deliver({ ...message, cursor: next === undefined ? page.nextRowid : next.id - 1 });
      });
      rows += page.messages.length;
      since = Math.max(since, page.nextRowid);
      if (!page.hasMore) break;
    }
    this.#logger.warn(
      { resumeAfterRowid: overflow.resumeAfterRowid, rows, readThrough: since },
      `imsg's watch queue overflowed; read ${rows} rows after ${first} with messages.after and resubscribed after ${since}`,
    );
    return since;
  }

  /** A persisted cursor resumes at most `resumeMaxRows` behind the newest row, and never ahead of the database. */
  async #boundResume(client: ImsgClient, watch: Omit<WatchSubscribeParams, "sinceRowid">): Promise<void> {
    const saved = this.#startCursor ?? 0;
    const newest = await newestRowid(client, watch, this.#liveness?.chatsToCheck);
    this.#resumeChecked = true;
    if (this.#acknowledged !== undefined) return;
    const maxRows = Math.max(0, this.#options.resumeMaxRows ?? Number.POSITIVE_INFINITY);
    if (newest > 0 && saved > newest) {
      this.#logger.warn(
        { savedCursor: saved, newestInDatabase: newest },
        "the saved cursor is ahead of the database (another chat.db?); starting after its newest row",
      );
      this.#startCursor = newest;
    } else if (newest - saved > maxRows) {
      this.#logger.warn(
        { savedCursor: saved, newestInDatabase: newest, resumeMaxRows: maxRows },
        `resuming from the saved cursor would stream ${newest - saved} rows; streaming the newest ${maxRows} (catchup replays older ones)`,
      );
      this.#startCursor = newest - maxRows;
    }
  }

  /** stop() may run while a start or subscribe is in flight, before there was anything to close. */
  #throwIfStopping(): void {
    if (this.#stopping) throw new RpcClientError("CLIENT_CLOSED", "the supervisor was stopped");
  }

  async #consume(subscription: Subscription): Promise<Error | undefined> {
    try {
      await subscription.consume((message) => this.#deliver(message));
      return undefined;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /**
   * Whether the database's rows all lie below the cursor, which only a replaced database does: the liveness estimate
   * (`newest`) can be low (history hides tapbacks), so imsg 0.14+'s `messages.after` with reactions scans to the true
   * newest row. Resolves with it when it is below the cursor; undefined otherwise, and on imsg without messages.after.
   */
  async #replacedDatabaseNewest(client: ImsgClient, newest: number): Promise<number | undefined> {
    if (!this.#protocol?.methods?.includes("messages.after")) return undefined;
    const chatId = this.#options.watch?.chatId;
    let since = newest;
    for (;;) {
      const page = await client.messagesAfter({
        sinceRowid: since,
        limit: overflowPageLimit,
        includeReactions: true,
        ...(chatId === undefined ? {} : { chatId }),
      });
      since = Math.max(since, page.nextRowid, ...page.messages.map((message) => message.id));
      if (since >= (this.cursor ?? 0)) return undefined;
      if (!page.hasMore) return since;
    }
  }

  /** Starts the cursor over at `rowid` (the database was replaced): the next subscription streams after it. */
  #rebase(rowid: number): void {
    this.#acknowledged = rowid;
    this.#startCursor = rowid;
    this.#lastStreamed = rowid;
    this.#readThrough = 0;
  }

  #deliver(message: Message): void {
    // Acknowledged rows are never handed out twice, even when a resubscribe overlaps the old stream.
    if (this.#acknowledged !== undefined && message.id <= this.#acknowledged) return;
    // A folded link preview's row lies past the message's id; its `cursor` (0.14+) says how far the stream read.
    const streamed = Math.max(message.id, message.cursor ?? 0);
    if (this.#lastStreamed === undefined || streamed > this.#lastStreamed) this.#lastStreamed = streamed;
    try {
      this.emit("message", message);
    } catch (error) {
      // A consumer bug must not look like a dead stream (which would restart imsg in a loop).
      this.#logger.error(
        { rowid: message.id, reason: error instanceof Error ? error.message : String(error) },
        "a message listener threw; the row stays unacknowledged",
      );
    }
  }

  #startLiveness(client: ImsgClient): { stop(): void } | undefined {
    const liveness = this.#liveness;
    if (liveness === undefined) return undefined;
    let timer: unknown;
    let stopped = false;
    let staleSince: number | undefined;
    let resubscribed = false;
    let failedChecks = 0;
    const check = async (): Promise<void> => {
      let newest: number;
      try {
        newest = await newestRowid(client, this.#options.watch ?? {}, liveness.chatsToCheck, liveness.probeTimeoutMs);
        failedChecks = 0;
      } catch (error) {
        failedChecks += 1;
        this.#logger.warn({ reason: errorMessage(error), failedChecks }, "liveness check failed");
        if (RequestTimeoutError.isInstance(error) && failedChecks >= 2)
          this.#interrupt("restart", "its liveness probes kept timing out");
        return;
      }
      const cursor = this.cursor ?? 0;
      if (newest < cursor) {
        const replacedNewest = await this.#replacedDatabaseNewest(client, newest).catch(() => undefined);
        if (replacedNewest !== undefined) {
          // Which of the new database's rows came after the swap is unknown: its newest rows stream again, as after
          // a restart (at most resumeMaxRows); the consumer's dedupe and age fence keep out what is answered or old.
          const restart = Math.max(0, replacedNewest - (this.#options.resumeMaxRows ?? replacedNewest));
          this.#logger.warn(
            { newestInDatabase: replacedNewest, cursor, restart },
            `the Messages database was replaced (its newest row ${replacedNewest} is below the cursor ${cursor}); the cursor is discarded and the stream starts again after row ${restart}`,
          );
          this.#rebase(restart);
          this.emit("database-replaced", { rowid: restart, previous: cursor });
          this.#interrupt("resubscribe");
          return;
        }
      }
      const streamed = Math.max(this.#lastStreamed ?? 0, cursor);
      if (newest <= streamed) {
        staleSince = undefined;
        resubscribed = false;
        return;
      }
      const now = this.#clock.now();
      staleSince ??= now;
      if (now - staleSince < liveness.graceMs) return;
      staleSince = now;
      if (!resubscribed) {
        resubscribed = true;
        this.#logger.warn(
          { newestInDatabase: newest, lastStreamed: streamed, cursor: this.cursor },
          "imsg stream is behind the database; resubscribing from the cursor",
        );
        this.#interrupt("resubscribe");
        return;
      }
      this.#logger.error(
        { newestInDatabase: newest, lastStreamed: streamed, cursor: this.cursor },
        "imsg stream is still behind the database after resubscribing; restarting imsg",
      );
      resubscribed = false;
      this.#interrupt("restart", "its stream stayed silent");
    };
    const schedule = (): void => {
      if (stopped) return;
      timer = this.#clock.setTimeout(() => {
        void check().finally(schedule);
      }, liveness.intervalMs);
    };
    schedule();
    return {
      stop: () => {
        stopped = true;
        this.#clock.clearTimeout(timer);
      },
    };
  }

  #interrupt(interruption: Exclude<Interruption, undefined>, restartReason = "it was asked to"): void {
    const subscription = this.#subscription;
    if (subscription === undefined || subscription.isEnded) return;
    this.#interruption = interruption;
    this.#restartReason = restartReason;
    void subscription.unsubscribe().catch(() => {});
  }

  #sleep(milliseconds: number): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const handle = this.#clock.setTimeout(() => {
        this.#wakeSleep = undefined;
        resolve();
      }, milliseconds);
      this.#wakeSleep = () => {
        this.#clock.clearTimeout(handle);
        this.#wakeSleep = undefined;
        resolve();
      };
    });
  }

  #setState(change: SupervisorStateChange): void {
    this.#state = change.state;
    // The account runner logs the connection at info, with what it negotiated: one line per event.
    if (change.state === "connected") this.#logger.debug({ cursor: this.cursor }, "imsg connected");
    this.emit("state", change);
  }
}
