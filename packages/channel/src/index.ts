export { AccountRunner, type AccountRunnerOptions } from "./account-runner.ts";
export {
  type AccountCounters,
  type AccountStatus,
  AccountStatusReporter,
  type ConnectionState,
  statusFilePath,
} from "./account-status.ts";
export { AgentRegistry, type AgentRegistryOptions } from "./agent-registry.ts";
export { createImsgTransport, oneShotOptions, rpcArgs } from "./imsg-transport.ts";
export {
  type AgentRetry,
  agentUnavailableNotice,
  InboundPipeline,
  type PendingRow,
  type PipelineOptions,
  type TurnBuffer,
  type TurnRows,
} from "./inbound-pipeline.ts";
export { SessionQueue, type TaskContext } from "./session-queue.ts";
export {
  ChannelStartError,
  type GatewayOptions,
  type RunningGateway,
  shutdownPlan,
  startGateway,
} from "./start-accounts.ts";
export { createTurnBuffer } from "./turn-buffer.ts";
