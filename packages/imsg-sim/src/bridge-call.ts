import { writeBridgeState } from "./bridge-state.ts";
import { linuxTexts, macTexts } from "./platform-texts.ts";
import { RpcError } from "./rpc-error.ts";
import type { SimSession } from "./sim-session.ts";

/**
 * Gate of every IMCore bridge action: fails with the real build's text when the bridge is not usable.
 * With SIP off and Messages not injected, the first call "relaunches" Messages with the helper, like imsg.
 */
export function requireBridge(session: SimSession, action: string): void {
  if (session.settings.platform === "linux") throw RpcError.bridge(linuxTexts.bridgeLaunch, "not_ready");
  const bridge = session.bridge();
  if (bridge.sip === "enabled") throw RpcError.bridge(macTexts.sipEnabled, "not_ready");
  if (bridge.sip === "unknown") {
    throw RpcError.bridge(
      "Unable to determine SIP status. Refusing to inject into Messages.app. Details: csrutil status gave no answer",
      "not_ready",
    );
  }
  if (!bridge.launched) {
    writeBridgeState(session.settings.dbPath, { launched: true, fallen: false });
    if (session.bridge().launched) return;
    throw RpcError.bridge(macTexts.bridgeTimeout, "not_ready");
  }
  if (bridge.fallen) throw RpcError.bridge(`Timed out waiting for response to '${action}'`, "failed");
}

/** True when the bridge ready-lock file would exist (SIP off and Messages injected), which routes `send`. */
export function bridgeReadyLockExists(session: SimSession): boolean {
  if (session.settings.platform === "linux") return false;
  const bridge = session.bridge();
  return bridge.sip === "disabled" && bridge.launched;
}

export function dylibError(message: string): RpcError {
  return RpcError.bridge(`Dylib error: ${message}`, "failed");
}

/** The bridge's own check that a chat exists; caller-given guids are only checked here. */
export function requireBridgeChat(session: SimSession, chatGuid: string): number {
  const row = session.store.database
    .prepare("SELECT ROWID AS rowid FROM chat WHERE guid = ? OR chat_identifier = ? LIMIT 1")
    .get(chatGuid, chatGuid) as { rowid: number } | undefined;
  if (!row) throw dylibError(`Chat not found: ${chatGuid}`);
  return Number(row.rowid);
}

export function requireBridgeMessage(session: SimSession, messageGuid: string): number {
  const row = session.store.database.prepare("SELECT ROWID AS rowid FROM message WHERE guid = ?").get(messageGuid) as
    | { rowid: number }
    | undefined;
  if (!row) throw dylibError(`Message not found: ${messageGuid}`);
  return Number(row.rowid);
}
