import { type BridgeState, isBridgeUp } from "./bridge-state.ts";
import type { Platform } from "./status-report.ts";

/**
 * Selectors a 0.14+ bridge reports when it answers its probe, before the bridge state file's `selectors` override
 * them. A current (0.15) helper has the two newest too; a test turns one off to play an older helper.
 */
export const v2SelectorDefaults: Readonly<Record<string, boolean>> = {
  createChat: true,
  deleteChat: true,
  removeChat: true,
  markChatUnread: true,
  sendMessage: true,
  sendAttachment: true,
  sendMultipart: true,
  stickerSend: true,
  pollPayloadMessage: true,
  pollVoteMessage: true,
  sendReaction: true,
  editMessageItemTranslation: true,
  editMessageItem: true,
  editMessage: false,
  retractMessagePart: true,
  deleteMessage: true,
  notifyAnyways: true,
  setDisplayName: true,
  updateGroupPhoto: true,
  addParticipant: true,
  removeParticipant: true,
  leaveChat: true,
  namePhotoShouldOffer: true,
  namePhotoShare: true,
  checkIMessageAvailability: true,
  sendMessageReason: true,
  clientMessageGuidReservation: true,
  emojiTapbackSend: true,
};

export const bridgeTexts = {
  notStarted: "The bridge is not started. Run imsg launch explicitly before using bridge methods.",
  probeFailed: "The existing bridge did not answer a non-launching status probe.",
  notReady: "The running bridge did not report a ready v2 inbox and chat registry.",
};

/** The `bridge` object of RPC `status` (docs/imsg-protocol.md, initialize and status): what a non-launching probe saw. */
export interface BridgeProbe {
  ready: boolean;
  error?: string;
  bridge_version?: number;
  v2_ready?: boolean;
  registry_available?: boolean;
  selectors?: Record<string, boolean>;
}

/** Probes the simulated bridge without launching it: not started, not answering, or its reported state. */
export function probeBridge(state: BridgeState, platform: Platform): BridgeProbe {
  if (platform === "linux" || state.sip !== "disabled" || !state.launched) {
    return { ready: false, error: bridgeTexts.notStarted };
  }
  if (!isBridgeUp(state)) return { ready: false, error: bridgeTexts.probeFailed };
  const registry = state.registryAvailable ?? true;
  return {
    ready: registry,
    bridge_version: 2,
    v2_ready: true,
    registry_available: registry,
    selectors: { ...v2SelectorDefaults, ...state.selectors },
    ...(registry ? {} : { error: bridgeTexts.notReady }),
  };
}
