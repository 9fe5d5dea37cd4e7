import { messageGuidParam, run } from "./bridge-action.ts";
import { requireBridgeMessage } from "./bridge-call.ts";
import { bridgeHasSelector } from "./bridge-features.ts";
import { resolveBridgeChatGuid } from "./chat-target.ts";
import { writeOutgoing } from "./outgoing.ts";
import { normalizeTapbackInput } from "./reactions.ts";
import { RpcError } from "./rpc-error.ts";
import { boolParam, intParam, type Params, stringParam } from "./rpc-params.ts";
import type { SimSession } from "./sim-session.ts";

/** What the bridge answers an arbitrary-emoji tapback when it lacks the `emojiTapbackSend` selector. */
export const emojiTapbackUnsupportedText =
  "running bridge does not support emoji tapbacks; restart Messages with the current imsg bridge";

type ClassicKind = "love" | "like" | "dislike" | "laugh" | "emphasize" | "question";

/**
 * `tapback` (docs/imsg-protocol.md#tapback). Up to 0.14 `emoji` is one more alias of `reaction` and is normalised to a
 * classic kind; from 0.15 a non-empty `emoji` wins and is sent as that emoji (`{ok, emoji}`), which the bridge
 * refuses without `emojiTapbackSend` (`capabilities.features["tapback.emoji"] = 2`).
 */
export function tapback(params: Params, session: SimSession): Record<string, unknown> {
  const chatGuid = resolveBridgeChatGuid(params, session.store);
  const emojiTapbacks = session.settings.personality.capabilities;
  const { guid: messageGuid, part } = emojiTapbacks
    ? tapbackTarget(params)
    : { guid: messageGuidParam(params), part: 0 };
  const emoji = emojiTapbacks ? (stringParam(params, "emoji") ?? "") : "";
  if (emoji !== "") return emojiTapback(params, session, chatGuid, { guid: messageGuid, part }, emoji);
  const raw = emojiTapbacks
    ? stringParam(params, "reaction", "kind")
    : stringParam(params, "reaction", "kind", "emoji");
  if (raw === undefined || raw.trim() === "") throw RpcError.invalidParams("reaction, kind, or emoji is required");
  const normalized = normalizeTapbackInput(raw);
  if (!normalized) {
    throw RpcError.invalidParams(
      `unsupported tapback reaction ${raw}; use love, like, dislike, laugh, emphasize, or question`,
    );
  }
  const remove = normalized.remove || (boolParam(params, "remove") ?? false);
  const chatId = run(session, "send-reaction", chatGuid);
  requireBridgeMessage(session, messageGuid);
  const kind = normalized.kind as ClassicKind;
  writeOutgoing(session, { chatId, text: "", tapback: { kind, target: messageGuid, remove, part } });
  return { ok: true, reaction: remove ? `remove-${kind}` : kind };
}

/**
 * 0.15's tapback target: a `p:N/GUID` message id reacts to part N (and wins over `part_index`), else `part_index`
 * (alias `partIndex`, default 0) picks the part.
 */
function tapbackTarget(params: Params): { guid: string; part: number } {
  const raw = messageGuidParam(params);
  const embedded = /^p:(\d+)\/(.+)$/.exec(raw);
  if (embedded) return { guid: embedded[2]!, part: Number(embedded[1]) };
  return { guid: raw, part: Math.max(0, intParam(params, "part_index", "partIndex") ?? 0) };
}

function emojiTapback(
  params: Params,
  session: SimSession,
  chatGuid: string,
  target: { guid: string; part: number },
  emoji: string,
): Record<string, unknown> {
  const remove = boolParam(params, "remove") ?? false;
  const chatId = run(session, "send-reaction", chatGuid);
  requireBridgeMessage(session, target.guid);
  if (!bridgeHasSelector(session.bridge(), "emojiTapbackSend")) throw RpcError.internal(emojiTapbackUnsupportedText);
  writeOutgoing(session, {
    chatId,
    text: "",
    tapback: { kind: "custom", target: target.guid, remove, emoji, part: target.part },
  });
  return { ok: true, emoji };
}
