import type { HistoryEntry } from "@imessage-channel/agents";
import { normalizeHandle } from "@imessage-channel/policy";
import type { ImsgMessage } from "./imsg-port.ts";

/** At most this many group chats keep pending history; the chat idle longest goes first. */
const maxChats = 500;

/**
 * Group messages that mention gating skipped, kept per chat (at most `limit` each, newest kept) until the next
 * turn in that chat takes them: the agent then knows what was said before it was addressed. In memory only,
 * and only for senders who passed the group's access gates — a stranger's words never reach the agent this way.
 */
export class GroupHistory {
  readonly #chats = new Map<string, HistoryEntry[]>();

  record(chat: string, entry: HistoryEntry, limit: number): void {
    if (limit <= 0) return;
    const entries = this.#chats.get(chat) ?? [];
    this.#chats.delete(chat); // re-inserted last: the Map's order is the idle order
    entries.push(entry);
    if (entries.length > limit) entries.splice(0, entries.length - limit);
    this.#chats.set(chat, entries);
    if (this.#chats.size > maxChats) this.#chats.delete(this.#chats.keys().next().value!);
  }

  /** The chat's pending entries (at most `limit`, newest kept), forgotten once taken. */
  take(chat: string, limit: number): HistoryEntry[] {
    const entries = this.#chats.get(chat) ?? [];
    this.#chats.delete(chat);
    return limit > 0 ? entries.slice(-limit) : [];
  }
}

/** Where a group's history is kept: its `chat_id`, else its guid or identifier (policy's group anchor). */
export function chatAnchor(message: ImsgMessage): string {
  if (message.chatId > 0) return `chat_id:${message.chatId}`;
  return message.chatGuid ? `chat_guid:${message.chatGuid}` : `chat_identifier:${message.chatIdentifier}`;
}

export function historyEntryOf(message: ImsgMessage, region: string): HistoryEntry {
  return {
    sender: message.isFromMe ? "me" : normalizeHandle(message.sender, region) || message.sender,
    text: message.text.replace(/\uFFFC/g, "").trim(),
    createdAt: message.createdAt,
    guid: message.guid,
    ...(message.isFromMe ? { fromMe: true } : {}),
  };
}
