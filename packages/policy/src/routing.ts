import { entryMatches, type PeerIdentity, parseAllowlistEntry } from "./allowlist.ts";

/** The parts of an `agents.list[]` entry routing reads. */
export interface PolicyAgent {
  id: string;
  default?: boolean;
  groupChat?: { mentionPatterns?: readonly string[] };
}

/** The parts of a `bindings[]` entry routing reads. */
export interface PolicyBinding {
  type?: "route" | "acp";
  agentId: string;
  match: {
    channel: string;
    accountId?: string;
    peer?: { kind: "dm" | "direct" | "group"; id: string };
  };
}

export interface RouteInput {
  accountId: string;
  isGroup: boolean;
  peer: PeerIdentity;
  region?: string;
}

export interface AgentRoute {
  agentId: string;
  /** The binding that chose the agent; undefined when the default agent was used. */
  binding: PolicyBinding | undefined;
}

/** The default agent: the one marked `default: true`, else the first, else `main`. */
export function defaultAgentId(agents: readonly PolicyAgent[]): string {
  return (agents.find((agent) => agent.default) ?? agents[0])?.id ?? "main";
}

function peerMatches(binding: PolicyBinding, input: RouteInput): boolean {
  const peer = binding.match.peer;
  if (!peer) return true;
  if ((peer.kind === "group") !== input.isGroup) return false;
  const id = peer.id.trim();
  // A bare number names a group by chat_id, the form `groups` keys use.
  const entry =
    input.isGroup && /^\d+$/.test(id) ? parseAllowlistEntry(`chat_id:${id}`) : parseAllowlistEntry(id, input.region);
  if (!entry) return false;
  // In a group, a handle names a participant, not the conversation: only chat forms (and `*`) bind a group.
  if (input.isGroup && entry.kind === "handle") return false;
  return entryMatches(entry, input.peer);
}

/**
 * The agent for a conversation: the first `bindings[]` entry for channel `imessage` whose account (absent or `*`
 * = any) and peer match, most specific first (a peer binding beats an account binding beats a channel binding);
 * else the default agent.
 */
export function resolveAgentRoute(
  bindings: readonly PolicyBinding[],
  agents: readonly PolicyAgent[],
  input: RouteInput,
): AgentRoute {
  let best: { binding: PolicyBinding; score: number } | undefined;
  for (const binding of bindings) {
    const { channel, accountId, peer } = binding.match;
    if (channel !== "imessage") continue;
    if (accountId !== undefined && accountId !== "*" && accountId !== input.accountId) continue;
    if (!peerMatches(binding, input)) continue;
    const score = (peer ? 2 : 0) + (accountId !== undefined && accountId !== "*" ? 1 : 0);
    if (!best || score > best.score) best = { binding, score };
  }
  if (best) return { agentId: best.binding.agentId, binding: best.binding };
  return { agentId: defaultAgentId(agents), binding: undefined };
}

/** `main`: every DM shares the agent's main session (the reference's default); `per-sender`: one per handle. */
export type DmScope = "main" | "per-sender";

/**
 * `agent:<agentId>:main` for DMs under `dmScope: main`, `agent:<agentId>:imessage:dm:<handle>` per sender,
 * `agent:<agentId>:imessage:group:<chat_id>` for groups (the guid or identifier when the row has no chat_id).
 */
export function sessionKeyFor(
  agentId: string,
  isGroup: boolean,
  peer: PeerIdentity,
  dmScope: DmScope = "main",
): string {
  if (isGroup) {
    const chat = peer.chatId > 0 ? String(peer.chatId) : peer.chatGuid || peer.chatIdentifier;
    return `agent:${agentId}:imessage:group:${chat}`;
  }
  if (dmScope === "per-sender") return `agent:${agentId}:imessage:dm:${peer.sender}`;
  return `agent:${agentId}:main`;
}
