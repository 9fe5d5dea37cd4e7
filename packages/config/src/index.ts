export { chatWritableKeys, isChatWritableKey } from "./chat-writable-keys.ts";
export { ConfigError, type ConfigErrorCode } from "./config-error.ts";
export {
  type ConfigWriteOptions,
  type ConfigWriteResult,
  getConfigValue,
  parseCliValue,
  parseDottedPath,
  setConfigValue,
  unsetConfigValue,
} from "./config-writes.ts";
export { type DatabaseIdentity, databaseIdentityOf, databaseKey } from "./database-identity.ts";
export { clamps, defaults } from "./defaults.ts";
export { type EffectiveConfigValue, type EffectiveSourceKind, explainConfigValue } from "./effective-source.ts";
export { type ConfigValueLookup, lookupConfigValue } from "./effective-value.ts";
export { type GatewaySettings, resolveGatewaySettings } from "./gateway-settings.ts";
export type { ForeignConfigDialect } from "./import/channel-block.ts";
export { formatNote as formatImportNote, type ImportNote } from "./import/import-note.ts";
export { findBlueBubblesBlock } from "./import/translate-config.ts";
export { type ForeignConfigImport, translateForeignConfig } from "./import/translate-foreign-config.ts";
export { configJsonSchema } from "./json-schema.ts";
export { formatKeyPath, type PathSegment } from "./key-path.ts";
export {
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  loadConfigOrThrow,
  parseConfigText,
} from "./load-config.ts";
export { type LoggingSettings, resolveLoggingSettings } from "./logging-settings.ts";
export {
  declaredAccountIds,
  listAccounts,
  type ResolvedAccount,
  type ResolveOptions,
  resolveAccount,
  resolveAccountWithWarnings,
} from "./resolve-account.ts";
export { type ResolvedRouting, resolveRouting } from "./routing.ts";
export type {
  AccountKeys,
  ActionName,
  AgentConfig,
  AgentRuntimeConfig,
  BindingConfig,
  ChunkMode,
  Config,
  DmPolicy,
  DmScope,
  GroupConfig,
  GroupPolicy,
  LogFormat,
  ReactionNotifications,
  TransportKind,
} from "./schema.ts";
export { actionNames, configSchema, logFormats, logLevels, shutdownTimeoutMaximumSeconds } from "./schema.ts";
export { type ConfigResult, everyGroupMessageDropped, validateConfig } from "./validate-config.ts";
