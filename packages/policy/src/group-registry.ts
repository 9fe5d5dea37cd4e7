import type { PeerIdentity } from "./allowlist.ts";

/** One entry of `channels.imessage.groups`. */
export interface GroupSettings {
  requireMention?: boolean;
  systemPrompt?: string;
}

export type GroupRegistry = Readonly<Record<string, GroupSettings>>;

/** Keys that name this chat: `<chat_id>`, `chat_id:<id>`, `chat_guid:<guid>`, `chat_identifier:<identifier>`. */
function keysFor(peer: PeerIdentity): string[] {
  const keys: string[] = [];
  if (peer.chatId > 0) keys.push(String(peer.chatId), `chat_id:${peer.chatId}`);
  if (peer.chatGuid) keys.push(`chat_guid:${peer.chatGuid}`);
  if (peer.chatIdentifier) keys.push(`chat_identifier:${peer.chatIdentifier}`);
  return keys;
}

/** The chat's own registry entry (never the `*` wildcard), or undefined when the chat is not listed. */
export function specificGroupEntry(groups: GroupRegistry, peer: PeerIdentity): GroupSettings | undefined {
  for (const key of keysFor(peer)) {
    if (Object.hasOwn(groups, key)) return groups[key];
  }
  return undefined;
}

/** True when the registry names specific chats and has no `*`: then only those chats may talk. */
export function registryRestrictsChats(groups: GroupRegistry): boolean {
  const keys = Object.keys(groups);
  return keys.length > 0 && !keys.includes("*");
}

/**
 * The reference's resolution: the chat's entry with a defined `systemPrompt` wins (`""` or whitespace suppresses
 * the wildcard and yields no prompt); an absent entry or one without `systemPrompt` falls back to `groups["*"].systemPrompt`.
 */
export function resolveGroupSystemPrompt(groups: GroupRegistry, peer: PeerIdentity): string | undefined {
  const specific = specificGroupEntry(groups, peer);
  const prompt = specific?.systemPrompt !== undefined ? specific.systemPrompt : groups["*"]?.systemPrompt;
  // Whitespace only is "no prompt", like "": it suppresses the wildcard and injects nothing.
  return prompt?.trim() ? prompt : undefined;
}

/** Mention gating for this chat: its own `requireMention`, else the wildcard's, else on. */
export function resolveRequireMention(groups: GroupRegistry, peer: PeerIdentity): boolean {
  return specificGroupEntry(groups, peer)?.requireMention ?? groups["*"]?.requireMention ?? true;
}
