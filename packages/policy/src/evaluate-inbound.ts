import { type AllowlistMatch, matchAllowlist, type PeerIdentity } from "./allowlist.ts";
import { type ControlCommand, parseControlCommand } from "./control-command.ts";
import {
  type GroupRegistry,
  registryRestrictsChats,
  resolveGroupSystemPrompt,
  resolveRequireMention,
  specificGroupEntry,
} from "./group-registry.ts";
import { defaultPhoneRegion, normalizeHandle } from "./handle.ts";
import { isMentioned } from "./mention.ts";
import { type DmScope, type PolicyAgent, type PolicyBinding, resolveAgentRoute, sessionKeyFor } from "./routing.ts";

/** The fields of an imsg message that policy reads; the rpc-client's camelCase `Message` fits as it is. */
export interface InboundMessage {
  chatId: number;
  sender: string;
  isFromMe: boolean;
  text: string;
  isGroup: boolean;
  chatGuid?: string;
  chatIdentifier?: string;
  isReaction?: boolean;
}

/** The account settings policy reads; `ResolvedAccount` of `@imessage-channel/config` fits as it is. */
export interface PolicyAccount {
  accountId: string;
  dmPolicy: "pairing" | "allowlist" | "open" | "disabled";
  allowFrom: readonly string[];
  groupPolicy: "allowlist" | "open" | "disabled";
  /** null or absent: group sender checks fall back to `allowFrom`. */
  groupAllowFrom?: readonly string[] | null;
  groups?: GroupRegistry;
  phoneRegion?: string;
  /** SMS sender ids can be spoofed: rows from `SMS;`/`RCS;` chats are dropped unless this is true. */
  allowSmsSenders?: boolean;
}

/** What policy needs besides the account; `resolveRouting` of `@imessage-channel/config` fits, plus approvals. */
export interface InboundContext {
  /** Senders approved through pairing (the state store's allowlist additions); they count for DMs only. */
  approvedSenders?: readonly string[];
  agents?: readonly PolicyAgent[];
  bindings?: readonly PolicyBinding[];
  /** `messages.groupChat.mentionPatterns`: used when the agent has no patterns of its own. */
  mentionPatterns?: readonly string[];
  dmScope?: DmScope;
}

export type DropReason =
  | "from-me"
  | "reaction"
  | "no-sender"
  | "sms-untrusted"
  | "dm-disabled"
  | "dm-not-allowed"
  | "group-disabled"
  | "group-not-allowed"
  | "group-sender-not-allowed"
  | "not-mentioned";

/**
 * How mention gating went for a dispatched message: `not-required` (a DM, or `requireMention: false`),
 * `mentioned`, `command` (an authorized control command bypassed it), or `unenforceable` (required, but no
 * patterns are configured: dispatched anyway; log it once).
 */
export type MentionGating = "not-required" | "mentioned" | "command" | "unenforceable";

export interface DispatchDecision {
  kind: "dispatch";
  agentId: string;
  sessionKey: string;
  /** Groups only, resolved per the reference; undefined for DMs and suppressed groups. */
  systemPrompt: string | undefined;
  wasMentioned: boolean;
  isGroup: boolean;
  /** True only for a control command from an authorized sender. */
  isCommand: boolean;
  command: ControlCommand | undefined;
  mentionGating: MentionGating;
  /** Normalized sender handle. */
  sender: string;
  /** The conversation, in the form bindings use: the sender handle for DMs, `chat_id:<n>` for groups. */
  peer: { kind: "dm" | "group"; id: string };
  /** True when a `bindings[]` entry of type `acp` chose the agent. */
  acpBinding: boolean;
}

export interface PairingChallengeDecision {
  kind: "pairing-challenge";
  /** Normalized sender handle: the key of the pairing request. */
  sender: string;
  chatId: number;
}

export interface DropDecision {
  kind: "drop";
  reason: DropReason;
  /** One line for the log: what happened and how to let it through. */
  detail: string;
}

export type InboundDecision = DispatchDecision | PairingChallengeDecision | DropDecision;

const drop = (reason: DropReason, detail: string): DropDecision => ({ kind: "drop", reason, detail });

const smsChat = /^(sms|rcs);/i;

/** Control commands bypass gating only for senders named by handle (config or pairing), never via `*` or a chat entry. */
const authorizesCommands = (match: AllowlistMatch) => match === "sender";

/**
 * Decides what happens to one inbound row: dispatch to an agent, send a pairing challenge, or drop with a reason.
 * Pure: everything it needs arrives in its arguments.
 */
export function evaluateInbound(
  message: InboundMessage,
  account: PolicyAccount,
  context: InboundContext = {},
): InboundDecision {
  if (message.isFromMe) return drop("from-me", "own message (is_from_me); never dispatched");
  if (message.isReaction) return drop("reaction", "tapback event; not a turn");
  const region = account.phoneRegion ?? defaultPhoneRegion;
  const sender = normalizeHandle(message.sender ?? "", region);
  if (!sender) return drop("no-sender", `row in chat ${message.chatId} has no sender handle`);

  const peer: PeerIdentity = {
    sender,
    chatId: message.chatId,
    chatGuid: message.chatGuid ?? "",
    chatIdentifier: message.chatIdentifier ?? "",
  };
  if (!account.allowSmsSenders && smsChat.test(peer.chatGuid)) {
    return drop(
      "sms-untrusted",
      `SMS/RCS message from ${sender} in chat ${message.chatId}; SMS sender ids can be spoofed, set allowSmsSenders: true to accept them`,
    );
  }

  const groups = account.groups ?? {};
  // Some multi-person threads arrive with is_group=false: a chat listed under groups is group traffic.
  const isGroup = message.isGroup || specificGroupEntry(groups, peer) !== undefined;
  const approvedSenders = context.approvedSenders ?? [];

  let senderMatch: AllowlistMatch;
  if (isGroup) {
    if (account.groupPolicy === "disabled") {
      return drop("group-disabled", `group chat ${message.chatId}: groupPolicy is "disabled"`);
    }
    if (registryRestrictsChats(groups) && !specificGroupEntry(groups, peer)) {
      return drop(
        "group-not-allowed",
        `group chat ${message.chatId} is not in groups; add "${message.chatId}" (or "*") under groups to allow it`,
      );
    }
    const groupSenders = account.groupAllowFrom ?? account.allowFrom;
    senderMatch = matchAllowlist(groupSenders, peer, region);
    // With no sender list at all, a chat the registry names (its own key or `*`) admits its members:
    // `groups: { "*": … }` means "all groups", `groups: { "8421": … }` "only this group". Nothing anywhere fails closed.
    const admittedByRegistry =
      groupSenders.length === 0 && (specificGroupEntry(groups, peer) !== undefined || Object.hasOwn(groups, "*"));
    if (account.groupPolicy === "allowlist" && !senderMatch && !admittedByRegistry) {
      return drop(
        "group-sender-not-allowed",
        `${sender} in group chat ${message.chatId} is not in ${account.groupAllowFrom ? "groupAllowFrom" : "groupAllowFrom (unset, so allowFrom)"}; add the handle or chat_id:${message.chatId}`,
      );
    }
    // A sender named in allowFrom may run commands in groups too, even where groupAllowFrom admits by chat.
    if (senderMatch !== "sender" && matchAllowlist(account.allowFrom, peer, region) === "sender")
      senderMatch = "sender";
  } else {
    if (account.dmPolicy === "disabled") return drop("dm-disabled", `DM from ${sender}: dmPolicy is "disabled"`);
    senderMatch = matchAllowlist(account.allowFrom, peer, region);
    if (senderMatch !== "sender" && approvedSenders.some((approved) => normalizeHandle(approved, region) === sender)) {
      senderMatch = "sender";
    }
    if (!senderMatch && account.dmPolicy !== "open") {
      if (account.dmPolicy === "pairing") return { kind: "pairing-challenge", sender, chatId: message.chatId };
      return drop("dm-not-allowed", `DM from ${sender} is not in allowFrom (dmPolicy "allowlist"); add the handle`);
    }
  }

  const route = resolveAgentRoute(context.bindings ?? [], context.agents ?? [], {
    accountId: account.accountId,
    isGroup,
    peer,
    region,
  });
  const agent = (context.agents ?? []).find((candidate) => candidate.id === route.agentId);
  const agentPatterns = agent?.groupChat?.mentionPatterns ?? [];
  const patterns = agentPatterns.length > 0 ? agentPatterns : (context.mentionPatterns ?? []);
  const wasMentioned = isMentioned(message.text ?? "", patterns);
  const detected = parseControlCommand(message.text ?? "", patterns);
  // A stranger's "/reset" is an ordinary message: no bypass, no command.
  const command = detected && authorizesCommands(senderMatch) ? detected : undefined;

  let mentionGating: MentionGating = "not-required";
  if (isGroup && resolveRequireMention(groups, peer)) {
    if (patterns.length === 0) mentionGating = "unenforceable";
    else if (wasMentioned) mentionGating = "mentioned";
    else if (command) mentionGating = "command";
    else {
      return drop("not-mentioned", `group chat ${message.chatId}: requireMention is on and no mention pattern matched`);
    }
  }

  return {
    kind: "dispatch",
    agentId: route.agentId,
    sessionKey: sessionKeyFor(route.agentId, isGroup, peer, context.dmScope ?? "main"),
    systemPrompt: isGroup ? resolveGroupSystemPrompt(groups, peer) : undefined,
    wasMentioned,
    isGroup,
    isCommand: command !== undefined,
    command,
    mentionGating,
    sender,
    peer: isGroup
      ? { kind: "group", id: peer.chatId > 0 ? `chat_id:${peer.chatId}` : `chat_guid:${peer.chatGuid}` }
      : { kind: "dm", id: sender },
    acpBinding: route.binding?.type === "acp",
  };
}
