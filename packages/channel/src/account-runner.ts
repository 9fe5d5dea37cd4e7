import { createAcpCommandController, parseAcpCommandArguments } from "@imessage-channel/agents-acp";
import type { AttachmentFetcher } from "@imessage-channel/attachments";
import { CursorStore, databaseIdentityHash, rowTimeMs, runCatchup } from "@imessage-channel/catchup";
import { databaseIdentityOf, type ResolvedAccount, type ResolvedRouting } from "@imessage-channel/config";
import type { Logger } from "@imessage-channel/kit";
import { errorMessage } from "@imessage-channel/kit";
import { advertisedActions, BridgeCapability, trackedSendsUsable } from "@imessage-channel/outbound";
import { type CursorMoved, RowCursor } from "@imessage-channel/row-cursor";
import {
  type ImsgClient,
  ImsgSupervisor,
  probeCapabilities,
  type SupervisorStateChange,
} from "@imessage-channel/rpc-client";
import { type StateStore, WriteQueue } from "@imessage-channel/state";
import { runOnce } from "@imessage-channel/transport";
import { createAttachmentFetcherFor } from "./account-attachments.ts";
import { AccountStatusReporter } from "./account-status.ts";
import { createActionRunner } from "./action-runner.ts";
import type { ChannelAgents } from "./agent-registry.ts";
import type { ChannelEventSink } from "./channel-events.ts";
import { createChatCommands } from "./chat-commands.ts";
import { GroupHistory } from "./group-history.ts";
import { ImsgConnection } from "./imsg-connection.ts";
import type { ImsgMessage } from "./imsg-port.ts";
import { createImsgTransport, oneShotOptions, rpcArgs } from "./imsg-transport.ts";
import { InboundPipeline } from "./inbound-pipeline.ts";
import { LiveCursorStore } from "./live-cursor-store.ts";
import { createOutboundMedia } from "./outbound-media.ts";
import { Outbox } from "./outbox.ts";
import { ApprovalNotices } from "./pairing-approval-notice.ts";
import type { AgentRetry } from "./pipeline-types.ts";
import { RowSettlement } from "./row-settlement.ts";
import type { SessionQueue } from "./session-queue.ts";
import { createTurnBuffer } from "./turn-buffer.ts";
import { TurnRunner } from "./turn-runner.ts";

export interface AccountRunnerOptions {
  account: ResolvedAccount;
  routing: ResolvedRouting;
  state: StateStore;
  agents: ChannelAgents;
  queue: SessionQueue;
  stateDir: string;
  configPath: string | undefined;
  logger: Logger;
  /** `agents.retry`: an unavailable agent's turn is retried this long (default 10 minutes). */
  agentRetry?: AgentRetry;
  /** Told of the account's turns, replies and state changes (the channel's events). */
  onEvent?: ChannelEventSink;
}

/** Replayed rows in flight at once during catchup; each chat still runs its turns one by one. */
const catchupConcurrency = 8;
/**
 * After a restart the stream resumes from the saved cursor, at most this many rows behind the newest (the
 * reference's cap); the age fence (`maxInboundAgeMinutes`, 2 h by default) drops older rows. Older ones are catchup's.
 */
const restartResumeMaxRows = 500;
/** How often the outbox sweep looks for deliveries left open (and operators' resends) while connected. */
const outboxSweepIntervalMs = 5_000;

/**
 * One account: one long-lived `imsg rpc` child (or SSH session) carrying the watch, sends, read receipts and
 * typing; the pipeline behind it. A dead child is restarted with backoff and re-subscribed from the cursor,
 * so a child crash loses no row.
 */
export class AccountRunner {
  readonly status: AccountStatusReporter;
  readonly accountId: string;
  readonly #options: AccountRunnerOptions;
  readonly #connection: ImsgConnection;
  readonly #pipeline: InboundPipeline;
  readonly #supervisor: ImsgSupervisor;
  /** The one owner of what the bridge can do: actions, read receipts and typing all ask it. */
  readonly #bridge: BridgeCapability;
  #cursorStore: CursorStore | undefined;
  #catchup: Promise<void> | undefined;
  /** Aborted at shutdown: a draining catchup starts no further row (the next start replays the rest). */
  readonly #catchupStop = new AbortController();
  #attachments: Promise<AttachmentFetcher> | undefined;
  /** The journal's writes and the saved cursor: while state.db cannot be written they wait here, in order. */
  readonly #writes: WriteQueue;
  /** The one cursor of the account's rows: the pipeline begins and settles rows on it; its moves are forwarded. */
  readonly #cursor: RowCursor<ImsgMessage>;
  /** The live cursor the next start resumes from (state.db `meta`, per account and database). */
  readonly #liveCursor: LiveCursorStore;
  /** Every message the account sends goes through it (docs/exactly-once.md). */
  readonly #outbox: Outbox;
  /** "You were approved" for approvals `pairing approve` made (while running or stopped), sent on each sweep. */
  readonly #approvalNotices: ApprovalNotices;
  #sweepTimer: NodeJS.Timeout | undefined;
  readonly #stopSends = new AbortController();
  #sweeping: Promise<void> | undefined;
  #sendMode: string | undefined;

  constructor(options: AccountRunnerOptions) {
    this.#options = options;
    this.accountId = options.account.accountId;
    const { account, routing, state, logger, queue, agents } = options;
    this.status = new AccountStatusReporter({
      stateDir: options.stateDir,
      accountId: account.accountId,
      outboxCounts: () => state.parts.counts(account.accountId),
      onChange: (status) => options.onEvent?.("status", status),
    });
    this.#writes = new WriteQueue({
      onBlocked: (reason) => {
        this.status.setDegraded(`state.db not writable (${reason})`);
        logger.warn(
          {},
          `state.db not writable (${reason}): rows wait and are dispatched once it can be written (retried every few seconds); free disk space, or end the process that holds its write lock`,
        );
      },
      onRecovered: () => {
        this.status.setDegraded(undefined);
        logger.info({}, "state.db can be written again; the rows that waited go on");
      },
    });
    this.#liveCursor = new LiveCursorStore({
      meta: state.meta,
      key: `live-cursor:${account.accountId}:${databaseIdentityHash(databaseIdentityOf(account))}`,
      writes: this.#writes,
      logger,
    });
    // Restart recovery, catchup or not: resume after the last row that settled before the stop (or crash).
    const savedCursor = this.#liveCursor.loaded;
    this.#cursor = new RowCursor<ImsgMessage>(savedCursor ?? 0);
    this.#cursor.on("moved", (moved) => this.#cursorMoved(moved));
    this.#supervisor = new ImsgSupervisor({
      createTransport: () => createImsgTransport(account, rpcArgs(account)),
      // Tapback rows are streamed only when asked for (include_reactions); they become events for the agent.
      watch: { attachments: account.includeAttachments, includeReactions: account.reactionNotifications !== "off" },
      cursor: savedCursor,
      resumeMaxRows: restartResumeMaxRows,
      logger,
    });
    this.#bridge = new BridgeCapability({
      probe: () => probeCapabilities((args) => runOnce(oneShotOptions(account, args))),
      logger,
      onProbe: (capabilities) =>
        this.status.setImsg({
          version: capabilities.version,
          rpcMethods: capabilities.rpcMethods,
          privateApi: capabilities.privateApi,
        }),
    });
    this.#connection = new ImsgConnection(() => this.#supervisor.client, {
      bridge: this.#bridge,
      accountId: account.accountId,
      // Cancelled turns (shutdown past its budget) and the account's stop end sends that wait for imsg.
      signal: AbortSignal.any([queue.signal, this.#stopSends.signal]),
      // Text parts go out as send.tracked while this connection offers it (docs/exactly-once.md, Identity).
      trackedSends: () =>
        trackedSendsUsable(this.#supervisor.protocol?.methods, this.#supervisor.protocol?.bridge?.selectors),
    });
    const acp = createAcpCommandController({
      bindings: state.bindings,
      runtimeFor: (agent) => agents.acpRuntime?.(agent),
    });
    const outboundMedia = createOutboundMedia({
      stateDir: options.stateDir,
      roots: account.outboundMediaRoots,
      mediaMaxBytes: account.mediaMaxBytes,
    });
    const settlement = new RowSettlement({
      account,
      state,
      logger,
      status: this.status,
      cursor: this.#cursor,
      writes: this.#writes,
    });
    const groupHistory = new GroupHistory();
    const agentFor = (agentId: string) => agents.get(agentId);
    this.#outbox = new Outbox({
      account,
      state,
      imsg: this.#connection,
      writes: this.#writes,
      logger,
      media: outboundMedia,
      status: this.status,
      runAction: createActionRunner({
        account,
        state,
        logger,
        call: (method, params) => this.#supervisor.requireClient().request(method, params),
        bridge: this.#bridge,
        protocol: () => this.#supervisor.protocol,
        media: outboundMedia,
        allowCrossChat: (agentId) => routing.agents.find((agent) => agent.id === agentId)?.allowCrossChat === true,
        status: this.status,
      }),
    });
    this.#approvalNotices = new ApprovalNotices({ account, state, outbox: this.#outbox, logger, status: this.status });
    const turns = new TurnRunner({
      account,
      state,
      imsg: this.#connection,
      logger,
      status: this.status,
      queue,
      settlement,
      groupHistory,
      agentFor,
      outbox: this.#outbox,
      commands: createChatCommands({
        status: this.status,
        commandsConfig: routing.commandsConfig,
        configWrites: account.configWrites,
        ownerAllowFrom: routing.ownerAllowFrom,
        phoneRegion: account.phoneRegion,
        configPath: options.configPath,
        acpAvailable: routing.agents.some((agent) => agent.runtime.type === "acp"),
        acp: (row, command) => {
          const conversation = { accountId: account.accountId, conversationKey: row.decision.peer.id };
          const parsed =
            command === "acp"
              ? parseAcpCommandArguments(row.decision.command?.args ?? "")
              : ({ kind: command } as const);
          return acp.handle(parsed, conversation);
        },
      }),
      receipts: () => this.#bridge.receipts(account.sendReadReceipts),
      availableActions: (isGroup) =>
        advertisedActions({ flags: account.actions, capability: this.#bridge.snapshot(), isGroup }),
      agentRetry: options.agentRetry,
      onEvent: options.onEvent,
    });
    this.#pipeline = new InboundPipeline({
      account,
      routing,
      state,
      imsg: this.#connection,
      logger,
      status: this.status,
      settlement,
      groupHistory,
      agentFor,
      buffer: createTurnBuffer({
        accountId: account.accountId,
        windowMs: account.inboundDebounceMs,
        sink: (turn) => turns.dispatch(turn),
        onError: (error) => logger.error({ err: error }, "turn dispatch failed"),
      }),
      routeOverride: (decision) => {
        const conversation = { accountId: account.accountId, conversationKey: decision.peer.id };
        const agentId = acp.boundAgentOf(conversation);
        return agentId ? { agentId, sessionKey: acp.sessionKeyOf(conversation) } : undefined;
      },
      outbox: this.#outbox,
      fetchAttachments: account.includeAttachments
        ? async (attachments) => (await this.#attachmentFetcher()).fetch(attachments)
        : undefined,
    });
    this.#supervisor.on("message", (message) => {
      this.#pipeline.accept(message, { replayed: false }).catch((error: unknown) => {
        logger.error({ err: error, rowid: message.id }, `could not take row ${message.id}: ${errorMessage(error)}`);
      });
    });
    this.#supervisor.on("state", (change) => this.#onState(change));
    // A replaced chat.db numbers its rows anew: the saved cursor starts over where the supervisor does.
    this.#supervisor.on("database-replaced", ({ rowid }) => {
      this.#cursor.rebase(rowid);
      this.#liveCursor.save(rowid);
    });
  }

  /** Starts the status file and the supervised imsg child; resolves once the first connection attempt settled. */
  async start(): Promise<void> {
    const { account, stateDir, logger } = this.#options;
    this.status.start();
    this.#cursorStore = await CursorStore.open({
      stateDir,
      accountId: account.accountId,
      identity: databaseIdentityOf(account),
      logger,
    });
    const settled = new Promise<void>((resolve) => {
      const onState = (change: SupervisorStateChange) => {
        if (change.state === "starting") return;
        this.#supervisor.off("state", onState);
        resolve();
      };
      this.#supervisor.on("state", onState);
    });
    this.#supervisor.start();
    // Deliveries left open (imsg away longer than a send waits, an operator's `outbox resolve --resend`) go out.
    this.#sweepTimer = setInterval(() => this.#sweepOutbox(), outboxSweepIntervalMs);
    this.#sweepTimer.unref();
    await settled;
  }

  stopAccepting(): void {
    clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#catchupStop.abort();
    this.#pipeline.stopAccepting();
  }

  flush(): Promise<void> {
    return this.#pipeline.flush();
  }

  async stop(): Promise<void> {
    clearInterval(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#stopSends.abort();
    this.#catchupStop.abort();
    await this.#supervisor.stop();
    await this.#catchup;
    await this.#cursorStore?.flush();
    await (await this.#attachments)?.close();
    this.#liveCursor.close();
    // What still waits for state.db never reached it: those rows are unsettled, and the next start takes them.
    this.#writes.close();
    await this.status.stop();
  }

  #onState(change: SupervisorStateChange): void {
    const { account, logger } = this.#options;
    if (change.state === "starting") this.status.setState("connecting");
    else if (change.state === "reconnecting" || change.state === "failed")
      this.status.setState(
        change.state,
        change.reason,
        change.attempt !== undefined && change.retryInMs !== undefined
          ? { attempt: change.attempt, inMs: change.retryInMs }
          : undefined,
      );
    else if (change.state === "connected") {
      const client = this.#supervisor.client;
      // Live rows come after where the stream was subscribed: a first start saves that as its cursor.
      this.#cursor.streamStartsAfter(this.#supervisor.cursor ?? 0);
      // Saved even when it did not move (an empty chat.db starts at 0): a restart must resume, not tail.
      if (!this.#liveCursor.hasSaved) this.#liveCursor.save(this.#cursor.position);
      this.status.setState("connected");
      logger.info({ cursor: this.#supervisor.cursor }, `imsg stream connected (${client?.description ?? "imsg"})`);
      this.#bridge.refreshIfExpired();
      this.#logSendMode();
      this.#sweepOutbox();
      if (client && account.catchup.enabled && !this.#catchup) this.#catchup = this.#runCatchup(client);
    }
  }

  /** Which way this connection settles a lost send (docs/exactly-once.md), logged each time it connects. */
  #logSendMode(): void {
    const protocol = this.#supervisor.protocol;
    const version = protocol?.version ?? this.status.snapshot.imsg?.version;
    let mode: string;
    if (trackedSendsUsable(protocol?.methods, protocol?.bridge?.selectors)) {
      mode =
        "outbound sends: tracked (send.tracked + message.send_status): a lost answer is settled by the message's own guid";
    } else {
      const needsBridge = protocol?.supportedMethods?.includes("send.tracked") === true;
      mode = `outbound sends: history lookup (imsg ${version ?? "before 0.14"} ${
        needsBridge
          ? "offers send.tracked only with its private API bridge up: run `imsg launch`"
          : "has no send.tracked"
      }): a lost answer is looked up in the chat's last 50 rows`;
    }
    if (mode !== this.#sendMode) this.#options.logger.info({ account: this.accountId }, mode);
    this.#sendMode = mode;
  }

  /**
   * One outbox sweep at a time, only while connected and not shutting down: pending approval notices are sent, open
   * deliveries are finished, then tracked parts Messages accepted are asked whether they were delivered. Failures are logged by the outbox.
   */
  #sweepOutbox(): void {
    if (this.#sweeping || this.#catchupStop.signal.aborted || !this.#supervisor.client?.running) return;
    this.#sweeping = this.#approvalNotices
      .sendPending()
      .then(() => this.#outbox.resumeOpen())
      .then(() => this.#outbox.checkDelivery())
      .then(
        () => undefined,
        (error: unknown) => {
          this.#options.logger.error({ err: error }, `outbox sweep failed: ${errorMessage(error)}`);
        },
      )
      .finally(() => {
        this.#sweeping = undefined;
      });
  }

  /** One fetcher per account, made on first use (a wrapper's host is read then). */
  #attachmentFetcher(): Promise<AttachmentFetcher> {
    const { account, stateDir, logger } = this.#options;
    this.#attachments ??= createAttachmentFetcherFor(account, { stateDir, logger });
    return this.#attachments;
  }

  /** One catchup pass, beside the live stream: replayed rows go through the same pipeline as live ones. */
  async #runCatchup(client: ImsgClient): Promise<void> {
    const { account, logger } = this.#options;
    const cursorStore = this.#cursorStore;
    if (!cursorStore) return;
    this.status.setState("catching-up");
    try {
      await runCatchup({
        imsg: client,
        // imsg 0.14+ negotiated messages.after: the backlog is read in ROWID order from the cursor.
        methods: this.#supervisor.protocol?.methods,
        cursorStore,
        // Each failed attempt of an unavailable agent at a replayed row counts toward maxFailureRetries.
        dispatch: (row, attempts) => this.#pipeline.acceptReplayed(row, attempts),
        isHandled: (guid) => this.#options.state.inbound.stateOf(guid) === "committed",
        // Replayed rows wait for their turn (and a DM's coalescing window): several at once, cursor still in order.
        concurrency: catchupConcurrency,
        options: account.catchup,
        logger,
        // A backlog past perRunLimit drains in passes while the gateway runs; each pass's counts go to the status.
        onPass: (report) => this.status.countCatchupPass(report),
        signal: this.#catchupStop.signal,
      });
    } catch (error) {
      logger.error({ err: error }, `imessage catchup failed: ${errorMessage(error)}; it runs again on the next start`);
    } finally {
      if (this.#supervisor.client) this.status.setState("connected");
    }
  }

  /** The cursor's one event, forwarded to everything that keeps a copy of it. */
  #cursorMoved({ rowid, newest }: CursorMoved<ImsgMessage>): void {
    // A restarted child resumes after the last row that settled: nothing in between is lost.
    this.#supervisor.ack(rowid);
    // …and so does the next start of the gateway.
    this.#liveCursor.save(rowid);
    // Catchup resumes there too: the cursor, not the newest row's id, which a folded link preview lies past (0.14+).
    if (newest)
      void this.#cursorStore
        ?.advance({ lastSeenRowid: rowid, lastSeenMs: rowTimeMs(newest) })
        .catch((error: unknown) => this.#cursorWriteFailed(error));
  }

  #cursorWriteFailed(error: unknown): void {
    this.#options.logger.error({ err: error }, `could not save the catchup cursor: ${errorMessage(error)}`);
  }
}
