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
  /** The chat's other members (imsg never lists the local user). */
  participants?: readonly string[];
  /**
   * The chat's service (`iMessage`, `SMS`, `RCS`) as `chats.list` reports it; imsg puts none on a message.
   * Unknown (undefined or ""): only an `iMessage;` guid counts as iMessage.
   */
  service?: string;
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
  /** SMS sender ids can be spoofed: rows whose chat is SMS/RCS (by service or guid) are dropped unless this is true. */
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
  /**
   * Tapbacks are gated like messages (`reactionNotifications` on): who may talk may react, strangers never reach
   * the agent and get no pairing code for a tapback; mention gating does not apply and a tapback is never a command.
   * Off (default): every tapback row is dropped as `reaction`.
   */
  acceptReactions?: boolean;
}

export type DropReason =
  | "from-me"
  | "reaction"
  | "no-sender"
  | "sms-untrusted"
  | "dm-disabled"
  | "dm-not-allowed"
  | "group-disabled"
  | "group-no-chat"
  | "group-not-allowed"
  | "group-sender-not-allowed"
  | "not-mentioned";

/**
 * How mention gating went for a dispatched message: `not-required` (a DM, or `requireMention: false`),
 * `mentioned`, `command` (an authorized control command bypassed it), or `unenforceable` (required, but no
 * patterns are configured: dispatched anyway; log it once).
 */
export type MentionGating = "not-required" | "mentioned" | "command" | "unenforceable" | "reaction";

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

const smsGuid = /^(sms|rcs);/i;
const smsService = /^(sms|rcs)$/i;
const iMessageGuid = /^imessage;/i;
const groupForm = /;\+;/;

/**
 * Why a chat cannot be trusted as iMessage, or undefined when it can. The service decides: macOS 26 files
 * SMS threads under `any;-;<handle>` guids, so a guid prefix alone lets a spoofed SMS through. Without a
 * service, only an `iMessage;` guid is trusted (fail closed).
 */
function untrustedService(message: InboundMessage): string | undefined {
  const service = message.service?.trim() ?? "";
  const guid = message.chatGuid ?? "";
  if (smsService.test(service)) return `its chat's service is ${service}`;
  if (smsGuid.test(guid)) return `its chat is ${guid.split(";")[0]}`;
  if (!service && !iMessageGuid.test(guid)) return "its chat's service is unknown";
  return undefined;
}

/** The stable name of a group chat: `chat_id:` when imsg gave one (> 0), else its guid, else its identifier. */
function groupAnchor(peer: PeerIdentity): string | undefined {
  if (peer.chatId > 0) return `chat_id:${peer.chatId}`;
  if (peer.chatGuid) return `chat_guid:${peer.chatGuid}`;
  if (peer.chatIdentifier) return `chat_identifier:${peer.chatIdentifier}`;
  return undefined;
}

/**
 * Group traffic: imsg's `is_group`, a group-form guid or identifier (`;+;`), a chat with more than one other
 * member (some multi-person threads arrive with is_group=false), or a chat listed under `groups`.
 */
function isGroupTraffic(message: InboundMessage, groups: GroupRegistry, peer: PeerIdentity): boolean {
  if (message.isGroup) return true;
  if (groupForm.test(peer.chatGuid) || groupForm.test(peer.chatIdentifier)) return true;
  if (new Set(message.participants ?? []).size > 1) return true;
  return specificGroupEntry(groups, peer) !== undefined;
}

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
  const isReaction = message.isReaction === true;
  if (isReaction && !context.acceptReactions) return drop("reaction", "tapback event; not a turn");
  const region = account.phoneRegion ?? defaultPhoneRegion;
  const sender = normalizeHandle(message.sender ?? "", region);
  if (!sender) return drop("no-sender", `row in chat ${message.chatId} has no sender handle`);

  const peer: PeerIdentity = {
    sender,
    chatId: message.chatId,
    chatGuid: message.chatGuid ?? "",
    chatIdentifier: message.chatIdentifier ?? "",
  };
  const untrusted = account.allowSmsSenders ? undefined : untrustedService(message);
  if (untrusted) {
    return drop(
      "sms-untrusted",
      `message from ${sender} in chat ${message.chatId} is not provably iMessage (${untrusted}); SMS sender ids can be spoofed, set allowSmsSenders: true to accept SMS`,
    );
  }

  const groups = account.groups ?? {};
  const isGroup = isGroupTraffic(message, groups, peer);
  const approvedSenders = context.approvedSenders ?? [];

  let senderMatch: AllowlistMatch;
  if (isGroup) {
    if (account.groupPolicy === "disabled") {
      return drop("group-disabled", `group chat ${message.chatId}: groupPolicy is "disabled"`);
    }
    if (!groupAnchor(peer)) {
      return drop(
        "group-no-chat",
        `group row from ${sender} names no chat (no chat_id, chat_guid or chat_identifier), so it has no session or reply target; upgrade imsg (0.10+ retries such rows)`,
      );
    }
    if (registryRestrictsChats(groups) && !specificGroupEntry(groups, peer)) {
      return drop(
        "group-not-allowed",
        `group chat ${message.chatId} is not in groups; add "${message.chatId}" (or "*") under groups to allow it`,
      );
    }
    // Two gates, as the reference has them: `groups` says which chats are group traffic and their settings,
    // the sender list says who. A registry entry (even `*`) never admits senders; only a sender-list entry does,
    // naming a handle or the whole chat (`chat_id:`, `chat_guid:`, `chat_identifier:`). Empty list: nobody.
    const groupSenders = account.groupAllowFrom ?? account.allowFrom;
    senderMatch = matchAllowlist(groupSenders, peer, region);
    if (account.groupPolicy === "allowlist" && !senderMatch) {
      const list = account.groupAllowFrom ? "groupAllowFrom" : "groupAllowFrom (unset, so allowFrom)";
      return drop(
        "group-sender-not-allowed",
        groupSenders.length === 0
          ? `group chat ${message.chatId}: ${list} is empty, so groupPolicy "allowlist" drops every group message; add ${sender} or chat_id:${message.chatId} to groupAllowFrom, or set groupPolicy: "open"`
          : `${sender} in group chat ${message.chatId} is not in ${list}; add the handle or chat_id:${message.chatId}`,
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
      if (isReaction) return drop("dm-not-allowed", `tapback from ${sender} who may not talk to the agent`);
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
  const command = detected && authorizesCommands(senderMatch) && !isReaction ? detected : undefined;

  // A tapback answers something said; whether it concerns the agent is the caller's (`reactionNotifications`).
  let mentionGating: MentionGating = isReaction ? "reaction" : "not-required";
  if (isGroup && !isReaction && resolveRequireMention(groups, peer)) {
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
    peer: isGroup ? { kind: "group", id: groupAnchor(peer)! } : { kind: "dm", id: sender },
    acpBinding: route.binding?.type === "acp",
  };
}
