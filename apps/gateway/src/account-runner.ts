import {
  type AttachmentFetcher,
  createAccountAttachmentFetcher,
  type ImsgAttachment,
} from "@imessage-channel/attachments";
import { CursorStore, runCatchup } from "@imessage-channel/catchup";
import type { ResolvedAccount, ResolvedRouting } from "@imessage-channel/config";
import { type CapabilitySnapshot, capabilityFromProbe, unknownCapability } from "@imessage-channel/outbound";
import {
  type ImsgClient,
  ImsgSupervisor,
  probeCapabilities,
  type SupervisorStateChange,
} from "@imessage-channel/rpc-client";
import type { StateStore } from "@imessage-channel/state";
import { inspectSshWrapperFile, runOnce } from "@imessage-channel/transport";
import { AccountStatusReporter } from "./account-status.ts";
import { createAcpCommandController, parseAcpCommandArguments } from "./agents/acp/index.ts";
import type { AgentRegistry } from "./agents/agent-registry.ts";
import { createImsgTransport, oneShotOptions, rpcArgs } from "./imsg-transport.ts";
import type { Logger } from "./logger.ts";
import { createActionRunner } from "./pipeline/action-runner.ts";
import { createChatCommands } from "./pipeline/chat-commands.ts";
import { ImsgConnection } from "./pipeline/imsg-connection.ts";
import { InboundPipeline } from "./pipeline/inbound-pipeline.ts";
import { createOutboundMedia } from "./pipeline/outbound-media.ts";
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

/** A fetcher that skips every attachment with `reason` (never rejects: the row still reaches the agent). */
function unavailableAttachments(reason: string): AttachmentFetcher {
  const skip = (attachment: ImsgAttachment) => ({
    sourcePath: attachment.originalPath,
    ...(attachment.transferName ? { filename: attachment.transferName } : {}),
    reason: "remote-unavailable" as const,
    detail: `${attachment.originalPath || attachment.transferName || "(no path)"} was not fetched: ${reason}`,
  });
  return {
    fetch: async (attachments) => ({ attachments: [], skipped: attachments.map(skip) }),
    close: async () => {},
  };
}

/** Replayed rows in flight at once during catchup; each chat still runs its turns one by one. */
const catchupConcurrency = 8;
/** A capability probe is trusted this long; a bridge that fell out is noticed by the next failing call anyway. */
const probeTtlMs = 10 * 60 * 1000;

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
  #cursorStore: CursorStore | undefined;
  #catchup: Promise<void> | undefined;
  #probedAt = 0;
  #capability: CapabilitySnapshot = unknownCapability;
  #attachments: Promise<AttachmentFetcher> | undefined;

  constructor(options: AccountRunnerOptions) {
    this.#options = options;
    this.accountId = options.account.accountId;
    const { account, routing, state, logger, queue, agents } = options;
    this.status = new AccountStatusReporter({ stateDir: options.stateDir, accountId: account.accountId });
    this.#supervisor = new ImsgSupervisor({
      createTransport: () => createImsgTransport(account, rpcArgs(account)),
      // Tapback rows are streamed only when asked for (include_reactions); they become events for the agent.
      watch: { attachments: account.includeAttachments, includeReactions: account.reactionNotifications !== "off" },
      logger,
    });
    this.#connection = new ImsgConnection(() => this.#supervisor.client);
    const acp = createAcpCommandController({
      bindings: state.bindings,
      runtimeFor: (agent) => agents.acpRuntime(agent),
    });
    const outboundMedia = createOutboundMedia({
      stateDir: options.stateDir,
      roots: account.outboundMediaRoots,
      mediaMaxBytes: account.mediaMaxBytes,
    });
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
        media: outboundMedia,
        status: this.status,
        runActions: createActionRunner({
          account,
          state,
          logger,
          call: (method, params) => this.#supervisor.requireClient().request(method, params),
          capability: () => this.#capability,
          probe: async () => {
            this.#probedAt = 0;
            await this.#probe();
            return this.#capability;
          },
          markStale: () => {
            this.#capability = unknownCapability;
            this.#probedAt = 0;
          },
          media: outboundMedia,
          allowCrossChat: (agentId) => routing.agents.find((agent) => agent.id === agentId)?.allowCrossChat === true,
          status: this.status,
        }),
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
        ownerAllowFrom: routing.ownerAllowFrom,
        phoneRegion: account.phoneRegion,
        configPath: options.configPath,
        acp: (row, command) => {
          const conversation = { accountId: account.accountId, conversationKey: row.decision.peer.id };
          const parsed =
            command === "acp"
              ? parseAcpCommandArguments(row.decision.command?.args ?? "")
              : ({ kind: command } as const);
          return acp.handle(parsed, conversation);
        },
      }),
      routeOverride: (decision) => {
        const conversation = { accountId: account.accountId, conversationKey: decision.peer.id };
        const agentId = acp.boundAgentOf(conversation);
        return agentId ? { agentId, sessionKey: acp.sessionKeyOf(conversation) } : undefined;
      },
      initialCursor: 0,
      onCursor: (rowid, message) => {
        // A restarted child resumes after the last row that settled: nothing in between is lost.
        this.#supervisor.ack(rowid);
        if (message)
          void this.#cursorStore?.advancePast(message).catch((error: unknown) => this.#cursorWriteFailed(error));
      },
      bridgeAvailable: () => this.#connection.bridgeAvailable,
      fetchAttachments: account.includeAttachments
        ? async (attachments) => (await this.#attachmentFetcher()).fetch(attachments)
        : undefined,
    });
    this.#supervisor.on("message", (message) => {
      this.#pipeline.accept(message, { replayed: false }).catch((error: unknown) => {
        logger.error(
          { err: error, rowid: message.id },
          `could not take row ${message.id}: ${(error as Error).message}`,
        );
      });
    });
    this.#supervisor.on("state", (change) => this.#onState(change));
  }

  /** Starts the status file and the supervised imsg child; resolves once the first connection attempt settled. */
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
    const settled = new Promise<void>((resolve) => {
      const onState = (change: SupervisorStateChange) => {
        if (change.state === "starting") return;
        this.#supervisor.off("state", onState);
        resolve();
      };
      this.#supervisor.on("state", onState);
    });
    this.#supervisor.start();
    await settled;
  }

  stopAccepting(): void {
    this.#pipeline.stopAccepting();
  }

  flush(): Promise<void> {
    return this.#pipeline.flush();
  }

  async stop(): Promise<void> {
    await this.#supervisor.stop();
    await this.#catchup;
    await this.#cursorStore?.flush();
    await (await this.#attachments)?.close();
    await this.status.stop();
  }

  #onState(change: SupervisorStateChange): void {
    const { account, logger } = this.#options;
    if (change.state === "starting") this.status.setState("connecting");
    else if (change.state === "reconnecting" || change.state === "failed")
      this.status.setState(change.state, change.reason);
    else if (change.state === "connected") {
      const client = this.#supervisor.client;
      this.status.setState("connected");
      logger.info({ cursor: this.#supervisor.cursor }, `imsg stream connected (${client?.description ?? "imsg"})`);
      void this.#probe();
      if (client && account.catchup.enabled && !this.#catchup) this.#catchup = this.#runCatchup(client);
    }
  }

  /** One fetcher per account, made on first use (a wrapper's host is read then). */
  #attachmentFetcher(): Promise<AttachmentFetcher> {
    this.#attachments ??= this.#createAttachmentFetcher();
    return this.#attachments;
  }

  /**
   * Local paths, or SFTP from the Mac when `remoteHost` is set — or, as the reference does, when `cliPath` is an
   * SSH wrapper script whose host can be read from it. A wrapper that runs ssh somewhere it cannot name for sure
   * (a jump host, two destinations…) leaves attachments unavailable, said once: its Mac paths must never be read
   * from this disk as if the Mac were local.
   */
  async #createAttachmentFetcher(): Promise<AttachmentFetcher> {
    const { account, stateDir, logger } = this.#options;
    let settings = account;
    if (!account.remoteHost && account.transport === "local") {
      const inspection = await inspectSshWrapperFile(account.cliPath);
      if (inspection.kind === "ambiguous") {
        logger.error(
          `remoteHost cannot be auto-detected from the SSH wrapper ${account.cliPath}: ${inspection.reason}; attachments are unavailable until you set channels.imessage.remoteHost explicitly (host or user@host of the Mac)`,
        );
        return unavailableAttachments(
          `remoteHost could not be auto-detected from the SSH wrapper ${account.cliPath} (${inspection.reason})`,
        );
      }
      const wrapper = inspection.kind === "target" ? inspection.target : undefined;
      if (wrapper) {
        logger.info(
          `remoteHost auto-detected from the SSH wrapper ${account.cliPath}: ${wrapper.remoteHost} (attachments are fetched over SFTP)`,
        );
        settings = {
          ...account,
          remoteHost: wrapper.remoteHost,
          ssh: {
            ...account.ssh,
            port: wrapper.port ?? account.ssh.port,
            identityFile: wrapper.identityFile ?? account.ssh.identityFile,
          },
        };
      }
    }
    return createAccountAttachmentFetcher(settings, { stateDir, logger });
  }

  /** Asks imsg what it can do (version, RPC methods, private API) once per TTL; the verdict gates read/typing. */
  async #probe(): Promise<void> {
    const { account, logger } = this.#options;
    if (Date.now() - this.#probedAt < probeTtlMs) return;
    this.#probedAt = Date.now();
    try {
      const capabilities = await probeCapabilities((args) => runOnce(oneShotOptions(account, args)));
      this.status.setImsg({
        version: capabilities.version,
        rpcMethods: capabilities.rpcMethods,
        privateApi: capabilities.privateApi,
      });
      this.#connection.setBridgeAvailable(capabilities.privateApi.available);
      this.#capability = capabilityFromProbe(capabilities);
      for (const problem of capabilities.problems) logger.warn(`imsg probe: ${problem}`);
    } catch (error) {
      logger.warn({ err: error }, `imsg capability probe failed: ${(error as Error).message}`);
    }
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
        isHandled: (guid) => this.#options.state.inbound.stateOf(guid) === "committed",
        // Replayed rows wait for their turn (and a DM's coalescing window): several at once, cursor still in order.
        concurrency: catchupConcurrency,
        options: account.catchup,
        log: (level, line) => logger[level](line),
      });
    } catch (error) {
      logger.error(
        { err: error },
        `imessage catchup failed: ${(error as Error).message}; it runs again on the next start`,
      );
    } finally {
      if (this.#supervisor.client) this.status.setState("connected");
    }
  }

  #cursorWriteFailed(error: unknown): void {
    this.#options.logger.error({ err: error }, `could not save the catchup cursor: ${(error as Error).message}`);
  }
}
