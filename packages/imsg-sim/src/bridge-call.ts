import { writeBridgeState } from "./bridge-state.ts";
import { linuxTexts, macTexts } from "./platform-texts.ts";
import { RpcError } from "./rpc-error.ts";
import type { SimSession } from "./sim-session.ts";

/**
 * Gate of every IMCore bridge action: fails with the real build's text when the bridge is not usable.
 * With SIP off and Messages not injected, the first call "relaunches" Messages with the helper, like imsg.
 */
export function requireBridge(session: SimSession, action: string): void {
  if (session.settings.platform === "linux") throw RpcError.internal(linuxTexts.bridgeLaunch);
  const bridge = session.bridge();
  if (bridge.sip === "enabled") throw RpcError.internal(macTexts.sipEnabled);
  if (bridge.sip === "unknown") {
    throw RpcError.internal(
      "Unable to determine SIP status. Refusing to inject into Messages.app. Details: csrutil status gave no answer",
    );
  }
  if (!bridge.launched) {
    writeBridgeState(session.settings.dbPath, { launched: true, fallen: false });
    if (session.bridge().launched) return;
    throw RpcError.internal(macTexts.bridgeTimeout);
  }
  if (bridge.fallen) throw RpcError.internal(`Timed out waiting for response to '${action}'`);
}

/** True when the bridge ready-lock file would exist (SIP off and Messages injected), which routes `send`. */
export function bridgeReadyLockExists(session: SimSession): boolean {
  if (session.settings.platform === "linux") return false;
  const bridge = session.bridge();
  return bridge.sip === "disabled" && bridge.launched;
}

export function dylibError(message: string): RpcError {
  return RpcError.internal(`Dylib error: ${message}`);
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
