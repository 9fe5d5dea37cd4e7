import { messageGuidParam, run } from "./bridge-action.ts";
import { requireBridgeMessage } from "./bridge-call.ts";
import { bridgeHasSelector } from "./bridge-features.ts";
import { resolveBridgeChatGuid } from "./chat-target.ts";
import { writeOutgoing } from "./outgoing.ts";
import { normalizeTapbackInput } from "./reactions.ts";
import { RpcError } from "./rpc-error.ts";
import { boolParam, type Params, stringParam } from "./rpc-params.ts";
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
  const messageGuid = messageGuidParam(params);
  const emojiTapbacks = session.settings.personality.capabilities;
  const emoji = emojiTapbacks ? (stringParam(params, "emoji") ?? "") : "";
  if (emoji !== "") return emojiTapback(params, session, chatGuid, messageGuid, emoji);
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
  writeOutgoing(session, { chatId, text: "", tapback: { kind, target: messageGuid, remove } });
  return { ok: true, reaction: remove ? `remove-${kind}` : kind };
}

function emojiTapback(
  params: Params,
  session: SimSession,
  chatGuid: string,
  messageGuid: string,
  emoji: string,
): Record<string, unknown> {
  const remove = boolParam(params, "remove") ?? false;
  const chatId = run(session, "send-reaction", chatGuid);
  requireBridgeMessage(session, messageGuid);
  if (!bridgeHasSelector(session.bridge(), "emojiTapbackSend")) throw RpcError.internal(emojiTapbackUnsupportedText);
  writeOutgoing(session, { chatId, text: "", tapback: { kind: "custom", target: messageGuid, remove, emoji } });
  return { ok: true, emoji };
}
