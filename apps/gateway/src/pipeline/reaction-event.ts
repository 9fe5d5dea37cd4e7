import type { ImsgMessage } from "./imsg-port.ts";

/** A tapback as the agent sees it: `turn.event`, and one line of text for agents that read only text. */
export interface ReactionEvent {
  type: "reaction";
  action: "added" | "removed";
  /** The tapback's emoji (👍, ❤️, …, or a custom one); absent when imsg could not resolve it. */
  emoji?: string;
  /** imsg's kind: love, like, dislike, laugh, emphasize, question, custom. */
  reactionType?: string;
  sender: string;
  /** The message reacted to: its short id (usable in `react`/`reply` actions) and full guid. */
  target: { short?: string; guid: string };
}

const emojiOfType: Record<string, string> = {
  love: "❤️",
  like: "👍",
  dislike: "👎",
  laugh: "😂",
  emphasize: "‼️",
  question: "❓",
};

export function reactionEventOf(message: ImsgMessage, sender: string, shortId: string | undefined): ReactionEvent {
  const emoji = message.reactionEmoji || (message.reactionType ? emojiOfType[message.reactionType] : undefined);
  return {
    type: "reaction",
    action: message.isReactionAdd === false ? "removed" : "added",
    ...(emoji ? { emoji } : {}),
    ...(message.reactionType ? { reactionType: message.reactionType } : {}),
    sender,
    target: { ...(shortId ? { short: shortId } : {}), guid: message.reactedToGuid ?? "" },
  };
}

/** `iMessage reaction added: 👍 by +15555550123 on msg 3 (GUID)`, the reference's wording with both ids. */
export function reactionText(event: ReactionEvent): string {
  const what = event.emoji ?? event.reactionType ?? "a reaction";
  const on = event.target.short ? `${event.target.short} (${event.target.guid})` : event.target.guid;
  return `iMessage reaction ${event.action}: ${what} by ${event.sender} on msg ${on}`;
}
