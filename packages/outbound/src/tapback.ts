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

/** Normalizes a tapback input as imsg does: trimmed, lowercased, a `remove-` prefix meaning removal. */
export function normalizeTapback(raw: string): { kind: TapbackKind; remove: boolean } {
  let value = raw.trim().toLowerCase();
  let remove = false;
  if (value.startsWith("remove-")) {
    remove = true;
    value = value.slice("remove-".length);
  }
  const kind = kindByInput.get(value) ?? kindByInput.get(value.replace(/\uFE0F/g, ""));
  if (!kind) {
    throw new OutboundError(
      "ACTION_PARAMS_INVALID",
      `unsupported tapback reaction ${JSON.stringify(raw)}; use love, like, dislike, laugh, emphasize, or question (or ❤️ 👍 👎 😂 ‼️ ❓)`,
    );
  }
  return { kind, remove };
}
