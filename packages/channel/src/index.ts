export { AccountRunner, type AccountRunnerOptions } from "./account-runner.ts";
export {
  type AccountCounters,
  type AccountStatus,
  AccountStatusReporter,
  type CatchupStatus,
  type ConnectionState,
  type OutboxCounts,
  type RetryStatus,
  statusFilePath,
} from "./account-status.ts";
export { AgentRegistry, type AgentRegistryOptions, type ChannelAgents } from "./agent-registry.ts";
export type { ChannelEventName, ChannelEvents } from "./channel-events.ts";
export { type Channel, type ChannelOptions, ChannelStartError, createChannel } from "./create-channel.ts";
export { GroupHistory } from "./group-history.ts";
export { createImsgTransport, oneShotOptions, rpcArgs } from "./imsg-transport.ts";
export { InboundPipeline, type PipelineOptions } from "./inbound-pipeline.ts";
export {
  type ActionOutcome,
  type ActionTurn,
  type DeliverOptions,
  type DeliveryOutcome,
  Outbox,
  type OutboxOptions,
  type OutboxPort,
} from "./outbox.ts";
export type { AgentRetry, PendingRow, TurnBuffer, TurnRows } from "./pipeline-types.ts";
export { RowSettlement, type RowSettlementOptions } from "./row-settlement.ts";
export { SessionQueue, type TaskContext } from "./session-queue.ts";
export { shutdownPlan } from "./shutdown-plan.ts";
export { createTurnBuffer } from "./turn-buffer.ts";
export { agentUnavailableNotice, TurnRunner, type TurnRunnerOptions } from "./turn-runner.ts";
