export {
  type AllowlistEntry,
  type AllowlistMatch,
  entryMatches,
  matchAllowlist,
  type PeerIdentity,
  parseAllowlistEntry,
} from "./allowlist.ts";
export {
  type ControlCommand,
  type ControlCommandName,
  controlCommandNames,
  parseControlCommand,
} from "./control-command.ts";
export {
  type DispatchDecision,
  type DropDecision,
  type DropReason,
  evaluateInbound,
  type InboundContext,
  type InboundDecision,
  type InboundMessage,
  type MentionGating,
  type PairingChallengeDecision,
  type PolicyAccount,
} from "./evaluate-inbound.ts";
export {
  type GroupRegistry,
  type GroupSettings,
  resolveGroupSystemPrompt,
  resolveRequireMention,
  specificGroupEntry,
} from "./group-registry.ts";
export { defaultPhoneRegion, normalizeHandle, stripHandlePrefixes } from "./handle.ts";
export { isMentioned } from "./mention.ts";
export { PolicyError, type PolicyErrorCode } from "./policy-error.ts";
export {
  type AgentRoute,
  type DmScope,
  defaultAgentId,
  type PolicyAgent,
  type PolicyBinding,
  resolveAgentRoute,
  sessionKeyFor,
} from "./routing.ts";
export { parseTarget, type Target } from "./target.ts";
