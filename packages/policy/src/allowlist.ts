import { boundedMemo } from "./bounded-cache.ts";
import { defaultPhoneRegion, normalizeHandle } from "./handle.ts";

/** One parsed allowlist entry (`allowFrom`, `groupAllowFrom`, binding peer ids). */
export type AllowlistEntry =
  | { kind: "any" }
  | { kind: "handle"; handle: string }
  | { kind: "chat-id"; chatId: number }
  | { kind: "chat-guid"; chatGuid: string }
  | { kind: "chat-identifier"; chatIdentifier: string };

/** Who and where a message is from, in the forms allowlist entries name. */
export interface PeerIdentity {
  /** Normalized sender handle. */
  sender: string;
  chatId: number;
  chatGuid: string;
  chatIdentifier: string;
}

const prefixed = (value: string, prefix: string) =>
  value.toLowerCase().startsWith(prefix) ? value.slice(prefix.length).trim() : undefined;

/** `*`, `chat_id:<n>`, `chat_guid:<g>`, `chat_identifier:<i>`, else a handle; undefined for an unusable entry. */
export function parseAllowlistEntry(raw: string, region?: string): AllowlistEntry | undefined {
  return memoizedParse(`${region ?? defaultPhoneRegion}\u0000${raw}`);
}

const memoizedParse = boundedMemo((key) => {
  const separator = key.indexOf("\u0000");
  const entry = parseUncached(key.slice(separator + 1), key.slice(0, separator));
  // Shared between callers through the memo: nobody may change it.
  return entry ? Object.freeze(entry) : undefined;
});

function parseUncached(raw: string, region: string): AllowlistEntry | undefined {
  const value = raw.trim();
  if (!value) return undefined;
  if (value === "*") return { kind: "any" };
  const chatId = prefixed(value, "chat_id:");
  if (chatId !== undefined) return /^\d+$/.test(chatId) ? { kind: "chat-id", chatId: Number(chatId) } : undefined;
  const chatGuid = prefixed(value, "chat_guid:");
  if (chatGuid !== undefined) return chatGuid ? { kind: "chat-guid", chatGuid } : undefined;
  const chatIdentifier = prefixed(value, "chat_identifier:");
  if (chatIdentifier !== undefined) return chatIdentifier ? { kind: "chat-identifier", chatIdentifier } : undefined;
  const handle = normalizeHandle(value, region);
  return handle ? { kind: "handle", handle } : undefined;
}

/** Whether one entry names this sender or this chat. */
export function entryMatches(entry: AllowlistEntry, peer: PeerIdentity): boolean {
  switch (entry.kind) {
    case "any":
      return true;
    case "handle":
      return entry.handle === peer.sender;
    case "chat-id":
      return peer.chatId > 0 && entry.chatId === peer.chatId;
    case "chat-guid":
      return peer.chatGuid !== "" && entry.chatGuid === peer.chatGuid;
    case "chat-identifier":
      return peer.chatIdentifier !== "" && entry.chatIdentifier === peer.chatIdentifier;
  }
}

/** How a list matched: `wildcard` (`*`), `chat` (a chat entry), `sender` (the sender's own handle), or not at all. */
export type AllowlistMatch = "sender" | "chat" | "wildcard" | undefined;

/** The strongest match of `entries` for `peer`: a handle beats a chat entry beats `*`. */
export function matchAllowlist(entries: readonly string[], peer: PeerIdentity, region?: string): AllowlistMatch {
  let best: AllowlistMatch;
  for (const raw of entries) {
    const entry = parseAllowlistEntry(raw, region);
    if (!entry || !entryMatches(entry, peer)) continue;
    if (entry.kind === "handle") return "sender";
    if (entry.kind === "any") best ??= "wildcard";
    else best = "chat";
  }
  return best;
}
