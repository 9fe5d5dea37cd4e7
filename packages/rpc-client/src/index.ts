export { type BackoffOptions, BackoffSchedule } from "./backoff.ts";
export {
  type CommandOutput,
  type CommandRunner,
  type ImsgCapabilities,
  type LaunchFailure,
  probeCapabilities,
} from "./capability-probe.ts";
export {
  ChildExitedError,
  type DatabaseUnavailable,
  type DeliveryOutcome,
  ImsgRpcError,
  ImsgStartupError,
  isPermissionText,
  RequestTimeoutError,
  RpcClientError,
  type RpcClientErrorCode,
  SubscriptionError,
  SubscriptionOverflowError,
} from "./errors.ts";
export { ImsgClient, type ImsgClientEvents, type ImsgClientOptions, type RequestOptions } from "./imsg-client.ts";
export type { Attachment, Chat, ImsgStatus, Message, Reaction, ReactionType, UrlPreview } from "./imsg-objects.ts";
export { linePreview } from "./logger.ts";
export * from "./method-params.ts";
export type {
  ChatsCreateResult,
  MessagesAfterResult,
  SendResult,
  SendRichResult,
  TapbackResult,
} from "./method-results.ts";
export { legacyProtocol, type NegotiatedProtocol, negotiatedFromWire } from "./negotiated-protocol.ts";
export { newestRowid } from "./newest-rowid.ts";
export { type Parsed, parseChat, parseMessage, parseStatus } from "./parse-wire.ts";
export { Subscription } from "./subscription.ts";
export {
  ImsgSupervisor,
  type ImsgSupervisorEvents,
  type ImsgSupervisorOptions,
  type LivenessOptions,
  type SupervisorState,
  type SupervisorStateChange,
} from "./supervisor.ts";
export {
  type ImsgQuirks,
  parseImsgVersion,
  quirksForVersion,
  rpcMethodsForVersion,
  versionAtLeast,
} from "./version-compatibility.ts";
export * as wireSchemas from "./wire-schemas.ts";
