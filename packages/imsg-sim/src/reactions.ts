import type { ReactionType } from "./wire-types.ts";

const reactionKinds: { type: ReactionType; emoji: string }[] = [
  { type: "love", emoji: "❤️" },
  { type: "like", emoji: "👍" },
  { type: "dislike", emoji: "👎" },
  { type: "laugh", emoji: "😂" },
  { type: "emphasis", emoji: "‼️" },
  { type: "question", emoji: "❓" },
];

/** True for `associated_message_type` values imsg treats as tapbacks (2000–2006 adds, 3000–3006 removes). */
export function isTapbackType(associatedType: number | null | undefined): boolean {
  if (associatedType === null || associatedType === undefined) return false;
  return (associatedType >= 2000 && associatedType <= 2006) || (associatedType >= 3000 && associatedType <= 3006);
}

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const emojiScalar = /\p{Extended_Pictographic}|\p{Emoji_Presentation}/u;

/** The custom emoji of a 2006/3006 row: between `Reacted ` and ` to `, else the first emoji grapheme. */
export function extractCustomEmoji(text: string): string | undefined {
  const reacted = text.indexOf("Reacted ");
  if (reacted !== -1) {
    const to = text.indexOf(" to ", reacted + 8);
    if (to !== -1) return text.slice(reacted + 8, to);
  }
  for (const { segment } of graphemes.segment(text)) {
    if (emojiScalar.test(segment)) return segment;
  }
  return undefined;
}

export interface ResolvedTapback {
  isAdd: boolean;
  type?: ReactionType;
  emoji?: string;
}

/** Type and emoji of a tapback row; type and emoji stay unset when a custom row carries no emoji. */
export function resolveTapback(associatedType: number, text: string): ResolvedTapback {
  const isAdd = associatedType < 3000;
  const offset = associatedType - (isAdd ? 2000 : 3000);
  const standard = reactionKinds[offset];
  if (standard) return { isAdd, type: standard.type, emoji: standard.emoji };
  const emoji = extractCustomEmoji(text);
  return emoji === undefined ? { isAdd } : { isAdd, type: "custom", emoji };
}

/** The guid a tapback points at: everything after the last `/` (`p:0/GUID` → `GUID`). */
export function normalizeAssociatedGuid(associatedGuid: string): string {
  const slash = associatedGuid.lastIndexOf("/");
  return slash === -1 ? associatedGuid : associatedGuid.slice(slash + 1);
}

/** Write-side tapback vocabulary (`tapback` method): normalised name for each accepted input. */
const tapbackInputs: Record<string, string> = {
  love: "love",
  heart: "love",
  "❤️": "love",
  "❤": "love",
  like: "like",
  thumbsup: "like",
  "thumbs-up": "like",
  "+1": "like",
  "👍": "like",
  dislike: "dislike",
  thumbsdown: "dislike",
  "thumbs-down": "dislike",
  "-1": "dislike",
  "👎": "dislike",
  laugh: "laugh",
  haha: "laugh",
  lol: "laugh",
  "😂": "laugh",
  "🤣": "laugh",
  emphasize: "emphasize",
  emphasis: "emphasize",
  "!!": "emphasize",
  "‼": "emphasize",
  "‼️": "emphasize",
  question: "question",
  "?": "question",
  "❓": "question",
};

/** The write-side kinds in `associated_message_type` order (2000 + index). */
export const tapbackKinds = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;

/** Normalises a `tapback` reaction param; `remove-` prefixes count as removals. Unknown input gives undefined. */
export function normalizeTapbackInput(raw: string): { kind: string; remove: boolean } | undefined {
  let value = raw.trim().toLowerCase();
  let remove = false;
  if (value.startsWith("remove-")) {
    remove = true;
    value = value.slice("remove-".length);
  }
  const kind = tapbackInputs[value];
  return kind === undefined ? undefined : { kind, remove };
}
