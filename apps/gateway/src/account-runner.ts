import { join } from "node:path";
import { CursorStore, runCatchup } from "@imessage-channel/catchup";
import type { ResolvedAccount, ResolvedRouting } from "@imessage-channel/config";
import { ImsgClient, ImsgStartupError } from "@imessage-channel/rpc-client";
import type { StateStore } from "@imessage-channel/state";
import { AccountStatusReporter } from "./account-status.ts";
import type { AgentRegistry } from "./agents/agent-registry.ts";
import { createImsgTransport, rpcArgs } from "./imsg-transport.ts";
import type { Logger } from "./logger.ts";
import { createChatCommands } from "./pipeline/chat-commands.ts";
import { ImsgConnection } from "./pipeline/imsg-connection.ts";
import { InboundPipeline } from "./pipeline/inbound-pipeline.ts";
import { createReplyDeliverer } from "./pipeline/reply-deliverer.ts";
import { createTurnBuffer } from "./pipeline/turn-buffer.ts";
import type { SessionQueue } from "./session-queue.ts";

export interface AccountRunnerOptions {
  account: ResolvedAccount;
  routing: ResolvedRouting;
  state: StateStore;
  agents: AgentRegistry;
  queue: SessionQueue;
  stateDir: string;
  configPath: string | undefined;
  logger: Logger;
}

const maxBackoffMs = 30_000;
const healthyAfterMs = 60_000;

/**
 * One account: one long-lived `imsg rpc` child (or SSH session) carrying the watch, sends, read receipts and
 * typing; the pipeline behind it. A dead child is restarted with backoff and re-subscribed from the cursor,
 * so a child crash loses no row.
 */
export class AccountRunner {
  readonly status: AccountStatusReporter;
  readonly #options: AccountRunnerOptions;
  readonly #connection: ImsgConnection;
  readonly #pipeline: InboundPipeline;
  #client: ImsgClient | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #attempt = 0;
  #wake: (() => void) | undefined;
  #startRowid: number | undefined;
  #cursorStore: CursorStore | undefined;
  #catchup: Promise<void> | undefined;

  constructor(options: AccountRunnerOptions) {
    this.#options = options;
    const { account, routing, state, logger, queue, agents } = options;
    this.status = new AccountStatusReporter({ stateDir: options.stateDir, accountId: account.accountId });
    this.#connection = new ImsgConnection(() => this.#client);
    this.#pipeline = new InboundPipeline({
      account,
      routing,
      state,
      imsg: this.#connection,
      logger,
      status: this.status,
      queue,
      agentFor: (agentId) => agents.get(agentId),
      deliverReply: createReplyDeliverer({
        account,
        state,
        imsg: this.#connection,
        logger,
        outboundMediaDir: join(options.stateDir, "media", "outbound"),
      }),
      createTurnBuffer: (sink) =>
        createTurnBuffer({
          accountId: account.accountId,
          windowMs: account.inboundDebounceMs,
          sink,
          onError: (error) => logger.error({ err: error }, "turn dispatch failed"),
        }),
      commands: createChatCommands({
        status: this.status,
        commandsConfig: routing.commandsConfig,
        configWrites: account.configWrites,
        configPath: options.configPath,
      }),
      initialCursor: 0,
      onCursor: (_rowid, message) => {
        if (message)
          void this.#cursorStore?.advancePast(message).catch((error: unknown) => this.#cursorWriteFailed(error));
      },
      bridgeAvailable: () => this.#connection.bridgeAvailable,
    });
  }

  /** Starts the status file and the connection loop; resolves after the first connection attempt settled. */
  async start(): Promise<void> {
    const { account, stateDir, logger } = this.#options;
    this.status.start();
    this.#cursorStore = await CursorStore.open({
      stateDir,
      accountId: account.accountId,
      identity: {
        transport: account.transport,
        cliPath: account.cliPath,
        dbPath: account.dbPath ?? undefined,
        remoteHost: account.remoteHost ?? undefined,
        remoteCliPath: account.remoteCliPath,
      },
      log: (level, line) => logger[level](line),
    });
    let firstAttempt!: () => void;
    const attempted = new Promise<void>((resolve) => {
      firstAttempt = resolve;
    });
    this.#loop = this.#run(firstAttempt);
    await attempted;
  }

  stopAccepting(): void {
    this.#pipeline.stopAccepting();
  }

  flush(): Promise<void> {
    return this.#pipeline.flush();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    await this.#client?.close().catch(() => {});
    await this.#loop;
    await this.#catchup;
    await this.#cursorStore?.flush();
    await this.status.stop();
  }

  /** One catchup pass, beside the live stream: replayed rows go through the same pipeline as live ones. */
  async #runCatchup(client: ImsgClient): Promise<void> {
    const { account, logger } = this.#options;
    const cursorStore = this.#cursorStore;
    if (!cursorStore) return;
    this.status.setState("catching-up");
    try {
      await runCatchup({
        source: client,
        cursorStore,
        dispatch: (row) => this.#pipeline.acceptReplayed(row),
        options: account.catchup,
        log: (level, line) => logger[level](line),
      });
    } catch (error) {
      logger.error(
        { err: error },
        `imessage catchup failed: ${(error as Error).message}; it runs again on the next start`,
      );
    } finally {
      if (this.#client) this.status.setState("connected");
    }
  }

  #cursorWriteFailed(error: unknown): void {
    this.#options.logger.error({ err: error }, `could not save the catchup cursor: ${(error as Error).message}`);
  }

  async #run(firstAttempt: () => void): Promise<void> {
    const { logger } = this.#options;
    let resumeFrom: number | undefined;
    while (!this.#stopped) {
      const connectedAt = Date.now();
      try {
        await this.#connectAndStream(resumeFrom, firstAttempt);
      } catch (error) {
        firstAttempt();
        const startup = error instanceof ImsgStartupError;
        this.status.setState(startup ? "failed" : "reconnecting", (error as Error).message);
        if (!this.#stopped) logger.error({ err: error }, `imsg connection ended: ${(error as Error).message}`);
      }
      if (this.#stopped) break;
      if (Date.now() - connectedAt > healthyAfterMs) this.#attempt = 0;
      const delay = Math.min(maxBackoffMs, 500 * 2 ** this.#attempt) * (0.5 + Math.random() / 2);
      this.#attempt++;
      logger.info(`reconnecting to imsg in ${Math.round(delay)} ms (attempt ${this.#attempt})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      // A restarted child resumes after the last row that settled: nothing in between is lost.
      resumeFrom = Math.max(this.#pipeline.cursor, this.#startRowid ?? 0) || undefined;
    }
  }

  async #connectAndStream(resumeFrom: number | undefined, firstAttempt: () => void): Promise<void> {
    const { account, logger } = this.#options;
    this.status.setState(this.#attempt === 0 ? "connecting" : "reconnecting");
    const client = new ImsgClient({ transport: createImsgTransport(account, rpcArgs(account)), logger });
    this.#client = client;
    try {
      await client.start();
      // Subscribe from an explicit rowid, never "the tail": a child that dies before any row arrived must not
      // lose the rows written while it restarts.
      this.#startRowid ??= await newestRowid(client);
      const sinceRowid = resumeFrom ?? this.#startRowid;
      const subscription = await client.subscribe({ sinceRowid, attachments: account.includeAttachments });
      this.status.setState("connected");
      logger.info(
        { subscription: subscription.id, sinceRowid: resumeFrom },
        `imsg stream connected (${client.description})`,
      );
      firstAttempt();
      if (account.catchup.enabled && !this.#catchup) this.#catchup = this.#runCatchup(client);
      for await (const message of subscription) {
        await this.#pipeline.accept(message, { replayed: false });
      }
    } finally {
      if (this.#client === client) this.#client = undefined;
      await client.close().catch(() => {});
    }
  }
}

/** The newest message rowid the database has (through the chat with the latest activity); 0 for an empty one. */
export async function newestRowid(client: ImsgClient): Promise<number> {
  const [chat] = await client.chatsList({ limit: 1 });
  if (!chat) return 0;
  const [message] = await client.messagesHistory({ chatId: chat.id, limit: 1 });
  return message?.id ?? 0;
}
