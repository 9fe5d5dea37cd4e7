import { isoFromAppleMilliseconds } from "./apple-time.ts";
import { isTapbackType, resolveTapback } from "./reactions.ts";
import type { ReactionType, WireReaction } from "./wire-types.ts";

/** A tapback row of a message, as `ChatStore.reactions` selects it. */
export type TapbackRow = Record<string, unknown>;

/**
 * Folds a message's tapback rows, oldest first, into its current reactions (docs/imsg-protocol.md#reaction-state):
 * adds minus removes, one entry per sender and type.
 */
export function reactionState(
  rows: readonly TapbackRow[],
  resolvedText: (row: { text: string | null; attributed_body: Uint8Array | null }) => string,
  nameFor: (sender: string) => string | undefined,
): WireReaction[] {
  const state: WireReaction[] = [];
  for (const raw of rows) {
    const type = Number(raw.type);
    if (!isTapbackType(type)) continue;
    const text = resolvedText({
      text: (raw.text as string | null) ?? null,
      attributed_body: (raw.attributed_body as Uint8Array | null) ?? null,
    });
    const tapback = resolveTapback(type, text);
    const sender = (raw.handle as string | null) ?? "";
    const isFromMe = Number(raw.is_from_me ?? 0) !== 0;
    const sameReactor = (entry: WireReaction) => entry.sender === sender && entry.is_from_me === isFromMe;
    if (!tapback.isAdd) {
      const index =
        tapback.type === undefined
          ? state.findIndex((entry) => sameReactor(entry) && entry.type === "custom")
          : state.findIndex((entry) => sameReactor(entry) && entry.type === tapback.type);
      if (index !== -1) state.splice(index, 1);
      continue;
    }
    if (tapback.type === undefined || tapback.emoji === undefined) continue;
    const senderName = isFromMe ? undefined : nameFor(sender);
    const entry: WireReaction = {
      id: Number(raw.rowid),
      type: tapback.type as ReactionType,
      emoji: tapback.emoji,
      sender,
      ...(senderName === undefined ? {} : { sender_name: senderName }),
      is_from_me: isFromMe,
      created_at: isoFromAppleMilliseconds(raw.date_ms === null ? null : Number(raw.date_ms)),
    };
    const existing = state.findIndex((candidate) => sameReactor(candidate) && candidate.type === entry.type);
    if (existing === -1) state.push(entry);
    else state[existing] = entry;
  }
  return state;
}
