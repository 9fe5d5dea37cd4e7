import { errorMessage } from "@imessage-channel/kit";
import type { NegotiatedProtocol } from "@imessage-channel/rpc-client";
import { buildActionCall, fileSourceOf, type ImsgCall, plainSendFor, uploadNeedsBridge } from "./action-call.ts";
import { type ActionFlags, type ActionName, actionSpecs, canonicalActionName } from "./action-catalog.ts";
import { type ActionParams, actionTarget, booleanParam, stringParam } from "./action-params.ts";
import { classifyCallFailure } from "./call-failure.ts";
import type { CapabilitySnapshot } from "./capability.ts";
import { crossChatRefusedError, isOwnConversation } from "./cross-chat.ts";
import { type MediaStaging, stageMedia } from "./media.ts";
import { bridgeRequiredError, OutboundError } from "./outbound-error.ts";
import type { ChatIdentity, SendTargetParams } from "./send-target.ts";

/** One JSON-RPC request on the account's imsg connection (the rpc-client's raw request, or an imsg-sim client). */
export type ImsgCallFunction = (method: string, params: Record<string, unknown>) => Promise<unknown>;

export interface ActionExecutorOptions {
  call: ImsgCallFunction;
  /** `channels.imessage.actions`; a missing flag means enabled. */
  flags?: ActionFlags;
  /** The cached probe result. */
  capability: () => CapabilitySnapshot;
  /**
   * Probes imsg now; called before an action that needs the bridge when the cached status is unknown or says the
   * bridge is down, so the first action after `imsg launch` goes through without a restart.
   */
  probe?: () => Promise<CapabilitySnapshot>;
  /** Called when a dispatch found the bridge gone, so the cached `available` stops advertising actions (and re-probes). */
  markStale?: () => void;
  region?: string;
  /** The reply cache: a short message id (MessageSid) → its full guid in this chat, undefined when expired or foreign. */
  messageGuid?: (shortId: string, chat: SendTargetParams) => string | undefined;
  /**
   * What the connection's `initialize` said (the supervisor's `protocol`): `features["tapback.emoji"] >= 2` lets a
   * react carry any emoji. Without it (imsg before 0.15, or not connected) only the six classic tapbacks go out.
   */
  protocol?: () => NegotiatedProtocol | undefined;
  /** Size cap and staging for `upload-file` / `setGroupIcon`: `stage` writes a buffer (or copies to a remote Mac) and returns the path imsg reads. */
  media?: MediaStaging;
}

/** A Reply JSON `actions[]` entry: `{ action, ...params }`. */
export type ActionRequest = { action: string } & ActionParams;

export interface ActionContext {
  /** Where the turn's reply goes. */
  chat: SendTargetParams;
  isGroup: boolean;
  /** Every identity of that chat (the gateway's `ChatAddress`), so a param naming it another way still matches. */
  conversation?: ChatIdentity;
  /** Lets params (`to`, `chatId`, `chatGuid`, `chatIdentifier`, `target`) name another conversation; default false. */
  allowCrossChat?: boolean;
}

export interface ActionOutcome {
  action: ActionName;
  method: string;
  params: Record<string, unknown>;
  result: unknown;
  /** Set when the bridge was missing and the content went out as a plain `send` instead. */
  fallback?: "plain-send";
}

export interface ActionExecutor {
  execute(request: ActionRequest, context: ActionContext): Promise<ActionOutcome>;
}

/** The capability imsg 0.15 reports (value 2) when its bridge sends a tapback with any emoji. */
const tapbackEmojiFeature = "tapback.emoji";

// Content the user must still get when the bridge is missing: a threaded reply, a voice memo or threaded file.
const fallbackActions = new Set<ActionName>(["reply", "upload-file"]);

/**
 * Runs agent actions through an injected `call`, gated per method: disabled flag, group-only ops, a target other
 * than the turn's own conversation (refused unless `allowCrossChat`), then the capability probe (again when the
 * cache says unknown or down). A bridge that turns out to be gone marks the status stale and throws
 * `iMessage <action> requires the imsg private API bridge; run \`imsg launch\` …`, except for replies and files,
 * which go out as plain sends to the same (already allowed) target.
 */
export function createActionExecutor(options: ActionExecutorOptions): ActionExecutor {
  async function gate(name: ActionName, needsBridge: boolean): Promise<"go" | "no-bridge"> {
    if (!needsBridge) return "go";
    let snapshot = options.capability();
    // A cached "down" is not trusted for an action: the operator may have run `imsg launch` since.
    if (snapshot.status !== "available" && options.probe) snapshot = await options.probe();
    if (snapshot.status === "unavailable") return "no-bridge";
    const selectors = actionSpecs[name].selectors;
    if (snapshot.status === "available" && selectors && !selectors.some((key) => snapshot.selectors[key] === true)) {
      throw new OutboundError(
        "SELECTOR_UNAVAILABLE",
        `iMessage ${name} is not supported by the private API bridge on this Mac (needs selector ${selectors.join(" or ")}); check imsg status --json selectors or update imsg`,
      );
    }
    return "go";
  }

  function tapbackEmojiSupport(): { supported: boolean; imsgVersion?: string } {
    const protocol = options.protocol?.();
    const imsgVersion = protocol?.version ?? options.capability().version;
    const supported = (protocol?.features[tapbackEmojiFeature] ?? 0) >= 2;
    return imsgVersion === undefined ? { supported } : { supported, imsgVersion };
  }

  async function stageFile(name: ActionName, params: ActionParams): Promise<string | undefined> {
    const source = fileSourceOf(params);
    if (!source) return undefined;
    if (!options.media) {
      throw new OutboundError(
        "MEDIA_STAGING_MISSING",
        `iMessage ${name} carries a file but the action executor has no media staging; pass options.media`,
      );
    }
    const filename = stringParam(params, ["filename", "name"]) ?? ("path" in source ? source.path : "attachment");
    const asVoice = booleanParam(params, ["asVoice", "as_voice", "audio"]);
    return stageMedia({ ...source, filename, asVoice }, options.media);
  }

  async function send(name: ActionName, call: ImsgCall, fallbackTarget: SendTargetParams): Promise<ActionOutcome> {
    try {
      const result = await options.call(call.method, call.params);
      return { action: name, method: call.method, params: call.params, result };
    } catch (error) {
      const kind = classifyCallFailure(error);
      if (kind === "bridge-unavailable") options.markStale?.();
      const canFallBack = fallbackActions.has(name) && call.method !== "send";
      if ((kind === "bridge-unavailable" || kind === "method-missing") && canFallBack) {
        return plainSend(name, call, fallbackTarget);
      }
      if (kind === "bridge-unavailable") throw bridgeRequiredError(name, error);
      if (kind === "selector-unavailable") {
        throw new OutboundError(
          "SELECTOR_UNAVAILABLE",
          `iMessage ${name} is not supported by the private API bridge on this Mac (${errorMessage(error)}); update macOS or imsg`,
          { cause: error },
        );
      }
      if (kind === "method-missing") {
        throw new OutboundError(
          "METHOD_UNSUPPORTED",
          `iMessage ${name} needs imsg method ${call.method}, which this imsg build lacks; upgrade imsg to 0.9.0 or later`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async function plainSend(name: ActionName, call: ImsgCall, target: SendTargetParams): Promise<ActionOutcome> {
    const plain = plainSendFor(call, target);
    const result = await options.call(plain.method, plain.params);
    return { action: name, method: plain.method, params: plain.params, result, fallback: "plain-send" };
  }

  return {
    async execute(request, context) {
      const { action: requested, ...params } = request;
      const name = canonicalActionName(requested);
      if (!name) {
        throw new OutboundError(
          "ACTION_UNKNOWN",
          `iMessage action ${JSON.stringify(requested)} is unknown; use one of ${Object.keys(actionSpecs).join(", ")} (or sendAttachment)`,
        );
      }
      const action = actionSpecs[name];
      if (options.flags?.[action.flag] === false) {
        throw new OutboundError(
          "ACTION_DISABLED",
          `iMessage ${name} is disabled by channels.imessage.actions.${action.flag}; set it to true to allow it`,
        );
      }
      if (action.groupOnly && !context.isGroup) {
        throw new OutboundError(
          "GROUP_REQUIRED",
          `iMessage ${name} only works in a group chat, and this conversation is a direct message; target a group chat`,
        );
      }

      const target = actionTarget(name, params, context.chat, options.region);
      const own = { chat: context.chat, isGroup: context.isGroup, identity: context.conversation };
      if (!context.allowCrossChat && !isOwnConversation(target, own, options.region)) {
        throw crossChatRefusedError(name, target);
      }
      const callContext = {
        chat: context.chat,
        isGroup: context.isGroup,
        ...(options.region === undefined ? {} : { region: options.region }),
        ...(options.messageGuid ? { messageGuid: (id: string) => options.messageGuid!(id, target) } : {}),
        ...(name === "react" ? { tapbackEmoji: tapbackEmojiSupport() } : {}),
      };
      const carriesFile = name === "upload-file" || name === "setGroupIcon";
      const needsBridge = action.needsBridge || (name === "upload-file" && uploadNeedsBridge(params));

      if (!carriesFile) {
        const call = buildActionCall(name, params, callContext);
        if ((await gate(name, needsBridge)) === "no-bridge") {
          if (fallbackActions.has(name)) return plainSend(name, call, target);
          throw bridgeRequiredError(name);
        }
        return send(name, call, target);
      }

      if (name === "upload-file" && !fileSourceOf(params)) {
        buildActionCall(name, params, callContext); // throws the missing-file message
      }
      const verdict = await gate(name, needsBridge);
      if (verdict === "no-bridge" && !fallbackActions.has(name)) throw bridgeRequiredError(name);
      const file = await stageFile(name, params);
      const call = buildActionCall(name, params, { ...callContext, ...(file ? { file } : {}) });
      if (verdict === "no-bridge") return plainSend(name, call, target);
      return send(name, call, target);
    },
  };
}
