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
import { normalizeTapback } from "./tapback.ts";

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
      const { kind, remove } = normalizeTapback(raw);
      const removal = remove || booleanParam(params, ["remove"]);
      return {
        method: "tapback",
        params: { ...chat, message_id: messageId(), reaction: kind, ...(removal ? { remove: true } : {}) },
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
