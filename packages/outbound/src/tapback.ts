import { OutboundError } from "./outbound-error.ts";

/**
 * The six tapbacks the bridge writes (docs/imsg-protocol.md#tapback). Note the write side says `emphasize`; the read
 * side says `emphasis`.
 */
export const tapbackKinds = ["love", "like", "dislike", "laugh", "emphasize", "question"] as const;
export type TapbackKind = (typeof tapbackKinds)[number];

const inputs: Record<TapbackKind, readonly string[]> = {
  love: ["love", "heart", "❤️", "❤"],
  like: ["like", "thumbsup", "thumbs-up", "+1", "👍"],
  dislike: ["dislike", "thumbsdown", "thumbs-down", "-1", "👎"],
  laugh: ["laugh", "haha", "lol", "😂", "🤣"],
  // `emphasis` is what inbound rows call it, so an agent echoing it back must work too.
  emphasize: ["emphasize", "emphasis", "!!", "‼", "‼️"],
  question: ["question", "?", "❓"],
};

const kindByInput = new Map<string, TapbackKind>(
  tapbackKinds.flatMap((kind) => inputs[kind].map((input) => [input, kind] as const)),
);

/** A `remove-` prefix means removal, as imsg reads it; the rest is trimmed. */
export function splitRemoval(raw: string): { value: string; remove: boolean } {
  const value = raw.trim();
  if (value.toLowerCase().startsWith("remove-")) return { value: value.slice("remove-".length).trim(), remove: true };
  return { value, remove: false };
}

/** One of the six classic tapbacks under any of its names (trimmed, lowercased, `remove-` prefix), or undefined. */
export function classicTapback(raw: string): { kind: TapbackKind; remove: boolean } | undefined {
  const { value, remove } = splitRemoval(raw);
  const lowered = value.toLowerCase();
  const kind = kindByInput.get(lowered) ?? kindByInput.get(lowered.replace(/\uFE0F/g, ""));
  return kind ? { kind, remove } : undefined;
}

/** Exactly one emoji (a flag, a skin tone, a family included): what an arbitrary-emoji tapback may carry. */
export function isSingleEmoji(value: string): boolean {
  return /^\p{RGI_Emoji}$/v.test(value);
}

export const classicTapbackHint = "love, like, dislike, laugh, emphasize, or question (or ❤️ 👍 👎 😂 ‼️ ❓)";

/** Normalizes a tapback input as imsg does: trimmed, lowercased, a `remove-` prefix meaning removal. */
export function normalizeTapback(raw: string): { kind: TapbackKind; remove: boolean } {
  const classic = classicTapback(raw);
  if (!classic) {
    throw new OutboundError(
      "ACTION_PARAMS_INVALID",
      `unsupported tapback reaction ${JSON.stringify(raw)}; use ${classicTapbackHint}`,
    );
  }
  return classic;
}
