import type { ActionName } from "./action-catalog.ts";
import {
  type ActionParams,
  actionTarget,
  booleanParam,
  messageIdNames,
  participantAddress,
  requiredString,
  requiredText,
  stringParam,
  textNames,
} from "./action-params.ts";
import { expandEffectId } from "./effect.ts";
import { resolveMessageGuid } from "./message-id.ts";
import { OutboundError } from "./outbound-error.ts";
import { chatParamsForBridge, type SendTargetParams } from "./send-target.ts";
import { classicTapback, classicTapbackHint, isSingleEmoji, splitRemoval } from "./tapback.ts";

/** One imsg JSON-RPC request: a method of docs/imsg-protocol.md#methods and its params in imsg's wire names. */
export interface ImsgCall {
  method: string;
  params: Record<string, unknown>;
}

export interface ActionCallContext {
  /** The conversation the action came from. */
  chat: SendTargetParams;
  isGroup: boolean;
  /** For handles without a country code (`channels.imessage.phoneRegion`). */
  region?: string;
  /** Short message ids (MessageSid) → full guids: the reply cache's lookup for this chat; undefined when unknown. */
  messageGuid?: (shortId: string) => string | undefined;
  /** The staged path of a file attachment (`upload-file`, `setGroupIcon`), already size-checked. */
  file?: string;
  /**
   * Whether this imsg takes a tapback with any emoji (`capabilities.features["tapback.emoji"] >= 2`, imsg 0.15) and
   * its version for the refusal; without it only the six classic kinds are sent.
   */
  tapbackEmoji?: { supported: boolean; imsgVersion?: string };
}

/** The file params of `upload-file` and `setGroupIcon`: base64 `buffer`, or a path in `media`/`path`/`filePath`. */
export function fileSourceOf(params: ActionParams): { base64: string } | { path: string } | undefined {
  const base64 = stringParam(params, ["buffer", "base64"]);
  if (base64) return { base64 };
  const path = stringParam(params, ["media", "path", "filePath", "file"]);
  return path ? { path } : undefined;
}

/** `upload-file` takes the bridge's `send.attachment` only when it needs it: a voice memo or a threaded file. */
export function uploadNeedsBridge(params: ActionParams): boolean {
  return (
    booleanParam(params, ["asVoice", "as_voice", "audio"]) || stringParam(params, ["replyTo", "reply_to"]) !== undefined
  );
}

/**
 * An action with the agent's params → the imsg request (docs/imsg-protocol.md#send, #bridge-message-actions,
 * #chat-and-group-management). Validates params here, so a bad request fails with a message the agent can act on
 * instead of a JSON-RPC error. Pure.
 */
export function buildActionCall(action: ActionName, params: ActionParams, context: ActionCallContext): ImsgCall {
  const target = actionTarget(action, params, context.chat, context.region);
  const chat = chatParamsForBridge(target);
  const guid = (id: string) => resolveMessageGuid(id, context.messageGuid);
  const messageId = () => guid(requiredString(action, params, messageIdNames));

  switch (action) {
    case "react": {
      const raw = requiredString(action, params, ["emoji", "reaction", "kind", "tapback"]);
      const { emoji, kind, remove } = tapbackOf(raw, context.tapbackEmoji);
      const removal = remove || booleanParam(params, ["remove"]);
      // The six kinds go as `reaction` on every imsg; `emoji` only carries an arbitrary one (docs/imsg-protocol.md#tapback).
      return {
        method: "tapback",
        params: {
          ...chat,
          message_id: messageId(),
          ...(emoji === undefined ? { reaction: kind } : { emoji }),
          ...(removal ? { remove: true } : {}),
        },
      };
    }
    case "reply":
      return {
        method: "send.rich",
        params: { ...chat, text: requiredText(action, params, textNames), reply_to: messageId() },
      };
    case "sendWithEffect": {
      const effect = requiredString(action, params, ["effect", "effectId", "effect_id"]);
      return {
        method: "send.rich",
        params: { ...chat, text: requiredText(action, params, textNames), effect_id: expandEffectId(effect) },
      };
    }
    case "edit":
      return {
        method: "message.edit",
        params: {
          ...chat,
          message_id: messageId(),
          text: requiredText(action, params, ["text", "newText", "new_text"]),
        },
      };
    case "unsend":
      return { method: "message.unsend", params: { ...chat, message_id: messageId() } };
    case "upload-file": {
      const file = requireFile(action, context);
      if (!uploadNeedsBridge(params)) return { method: "send", params: { ...target, file } };
      const replyTo = stringParam(params, ["replyTo", "reply_to"]);
      const asVoice = booleanParam(params, ["asVoice", "as_voice", "audio"]);
      return {
        method: "send.attachment",
        params: {
          ...chat,
          file,
          ...(asVoice ? { as_voice: true } : {}),
          ...(replyTo ? { reply_to: guid(replyTo) } : {}),
        },
      };
    }
    case "renameGroup": {
      const name = params.name ?? params.displayName ?? params.newName;
      if (typeof name !== "string") {
        throw new OutboundError("ACTION_PARAMS_INVALID", "iMessage renameGroup: name is required (a string)");
      }
      return { method: "group.rename", params: { ...chat, name } };
    }
    case "setGroupIcon":
      return { method: "group.setIcon", params: { ...chat, ...(context.file ? { file: context.file } : {}) } };
    case "addParticipant":
      return {
        method: "group.addParticipant",
        params: { ...chat, address: participantAddress(action, params, context.region) },
      };
    case "removeParticipant":
      return {
        method: "group.removeParticipant",
        params: { ...chat, address: participantAddress(action, params, context.region) },
      };
    case "leaveGroup":
      return { method: "group.leave", params: { ...chat } };
  }
}

/**
 * A react action's tapback: a classic kind under any of its names, else — on an imsg that takes them — one emoji as it
 * is. An emoji this imsg cannot send is refused with its version, never folded into the nearest classic kind.
 */
function tapbackOf(
  raw: string,
  support: ActionCallContext["tapbackEmoji"],
): { kind?: string; emoji?: string; remove: boolean } {
  const classic = classicTapback(raw);
  if (classic) return { kind: classic.kind, remove: classic.remove };
  const { value, remove } = splitRemoval(raw);
  if (!isSingleEmoji(value)) {
    throw new OutboundError(
      "ACTION_PARAMS_INVALID",
      `iMessage react: unsupported tapback reaction ${JSON.stringify(raw)}; use ${classicTapbackHint}${support?.supported ? ", or one emoji" : ""}`,
    );
  }
  if (support?.supported) return { emoji: value, remove };
  throw new OutboundError(
    "TAPBACK_UNSUPPORTED",
    `iMessage react: the emoji tapback ${value} is not supported by this imsg (${support?.imsgVersion ?? "version unknown"}): it sends only the six classic tapbacks, ${classicTapbackHint}; any emoji needs an imsg whose status reports capabilities.features["tapback.emoji"] >= 2 (0.15)`,
  );
}

function requireFile(action: string, context: ActionCallContext): string {
  if (context.file) return context.file;
  throw new OutboundError(
    "ACTION_PARAMS_INVALID",
    `iMessage ${action}: a file is required: buffer (base64) with filename, or media/path/filePath`,
  );
}

/** The plain `send` a threaded reply falls back to when the bridge is missing, so the reply is not lost. */
export function plainSendFor(call: ImsgCall, target: SendTargetParams): ImsgCall {
  const { text, file } = call.params as { text?: string; file?: string };
  return { method: "send", params: { ...target, ...(file ? { file } : { text: text ?? "" }) } };
}
