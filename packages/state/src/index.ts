export type {
  AccountLease,
  AccountLeases,
  LeaseAcquisition,
  LeaseGranted,
  LeaseRefused,
} from "./account-lease.ts";
export { assertLeaseArguments, newLeaseHolderId } from "./account-lease.ts";
export type { AcpBinding, AcpBindingInput } from "./acp-bindings.ts";
export { AcpBindingStore } from "./acp-bindings.ts";
export type { DurabilityOptions, DurabilityStats, DurabilityTimers } from "./durability-tick.ts";
export { defaultDurabilityIntervalMilliseconds } from "./durability-tick.ts";
export type { EchoCacheOptions, InboundEcho, SentMessage } from "./echo-cache.ts";
export {
  defaultEchoMaxSendsPerAccount,
  defaultEchoTextWindowMilliseconds,
  defaultEchoTimeToLiveMilliseconds,
  EchoCache,
  normalizeEchoText,
} from "./echo-cache.ts";
export { notWritableReason } from "./immediate-transaction.ts";
export type { ClaimResult, InboundJournalOptions } from "./inbound-journal.ts";
export {
  defaultClaimLeaseMilliseconds,
  defaultJournalMaxEntries,
  defaultJournalRetentionMilliseconds,
  InboundJournal,
} from "./inbound-journal.ts";
export { LeaseKeeper, type LeaseKeeperOptions, type LeaseLoss, monotonicClock } from "./lease-keeper.ts";
export { type FoundLease, LeaseLostError } from "./lease-lost-error.ts";
export { MetaStore } from "./meta-store.ts";
export { latestSchemaVersion } from "./migrations.ts";
export type {
  OutboundDeliveryInput,
  OutboundOrigin,
  OutboundPart,
  OutboundPartKind,
  OutboundPartState,
  OutboundPartUpdate,
  OutboundResolution,
  OutboundSendMode,
  PlannedPart,
} from "./outbound-parts.ts";
export {
  OutboundParts,
  outboundPartRetentionMilliseconds,
  outboundPartStates,
  partPreview,
} from "./outbound-parts.ts";
export { normalizePairingCode, pairingCodeAlphabet, pairingCodeLength } from "./pairing-code.ts";
export type { Approval, ApprovalNotice, PairingRequest, PairingRequestResult } from "./pairing-store.ts";
export { maxPendingPairingsPerAccount, PairingStore, pairingTimeToLiveMilliseconds } from "./pairing-store.ts";
export type { ReplyCacheOptions } from "./reply-cache.ts";
export { defaultReplyCacheSize, ReplyCache } from "./reply-cache.ts";
export { type RecordedReply, ReplyOutbox } from "./reply-outbox.ts";
export { SqliteAccountLeases } from "./sqlite-account-leases.ts";
export { hotPathBusyTimeoutMilliseconds } from "./sqlite-database.ts";
export { resolveStateDir, stateDatabasePath } from "./state-dir.ts";
export type { StateErrorCode } from "./state-error.ts";
export { StateError } from "./state-error.ts";
export type { OpenStateStoreOptions, StateStore } from "./state-store.ts";
export { openStateStore } from "./state-store.ts";
export { WriteQueue, type WriteQueueOptions } from "./write-queue.ts";
