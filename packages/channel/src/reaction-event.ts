import type { ReactionEvent } from "@imessage-channel/agents";
import type { ImsgMessage } from "./imsg-port.ts";

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
