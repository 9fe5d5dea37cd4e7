export {
  type AcpAgentOptions,
  type AcpAgentRuntime,
  type AcpMode,
  type AcpSessionStatus,
  createAcpAgent,
} from "./acp-agent.ts";
export { type AcpRuntimeConfig, acpAgentOptionsFromConfig, toolKinds } from "./acp-agent-config.ts";
export {
  type AcpCommandController,
  type AcpCommandControllerOptions,
  createAcpCommandController,
} from "./acp-command-controller.ts";
export {
  AcpAgentExitError,
  AcpCwdMissingError,
  AcpRequestError,
  AcpRuntimeClosedError,
  AcpTimeoutError,
} from "./acp-errors.ts";
export { type AcpAgentEntry, type AcpRuntimeFactoryOptions, createAcpRuntimeFactory } from "./acp-runtime-factory.ts";
export { defaultAcpAgentCommands, resolveAcpAgentCommand } from "./agent-commands.ts";
export {
  acpSessionKey,
  type BindingKey,
  createBindingSessionStore,
  createMetaAcpSessionStore,
  parseAcpSessionKey,
} from "./binding-session-store.ts";
export { type AcpChatCommand, acpUsage, parseAcpChatCommand, parseAcpCommandArguments } from "./chat-command.ts";
export { type AcpPermissionPolicy, decidePermission } from "./permission-policy.ts";
export { type AcpSessionStore, createMemoryAcpSessionStore } from "./session-store.ts";
