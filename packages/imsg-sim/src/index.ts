export { appleNanosecondsFromDate, isoFromAppleMilliseconds, parseInternetDateTime } from "./apple-time.ts";
export { decodeAttributedBody, encodeAttributedBody } from "./attributed-body.ts";
export { appendBridgeEvent, type BridgeEvent, bridgeEventLogPath, typingEvent } from "./bridge-events.ts";
export {
  type BridgeSelectors,
  type BridgeState,
  bridgeStatePath,
  readBridgeState,
  writeBridgeState,
} from "./bridge-state.ts";
export { chatDbSchemaSql, createChatDb, openChatDbForWriting } from "./chat-db-schema.ts";
export { ImsgSimError } from "./errors.ts";
export { exampleChatDbSql } from "./example-data.ts";
export {
  type InjectAttachment,
  type InjectedMessage,
  type InjectOptions,
  inject,
  injectSplitUrl,
  injectTogether,
  type SplitUrlOptions,
  type TapbackKind,
} from "./inject.ts";
export {
  type ProtocolErrorRecord,
  protocolErrorCodes,
  readProtocolErrorLog,
} from "./protocol-error-log.ts";
export { type RequestRecord, readRequestLog } from "./request-log.ts";
export { supportedRpcMethods } from "./rpc-methods-list.ts";
export { type RpcServerOptions, runRpcServer } from "./rpc-server.ts";
export { seed } from "./seed.ts";
export { simBinPath } from "./sim-bin-path.ts";
export type { SimFaults } from "./sim-faults.ts";
export { type RpcNotification, type RpcResponse, SimProcess, type SimProcessOptions } from "./sim-process.ts";
export { type SimWrapperOptions, writeSimWrapper } from "./sim-wrapper.ts";
export type { WireAttachment, WireChat, WireMessage, WireReaction } from "./wire-types.ts";
