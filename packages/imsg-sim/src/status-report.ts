import { type BridgeState, isBridgeUp } from "./bridge-state.ts";
import { linuxTexts, macTexts } from "./platform-texts.ts";
import { simVersion, supportedRpcMethods } from "./rpc-methods-list.ts";

export type Platform = "mac" | "linux";

/** `imsg status --json` (§10.3) for a platform and simulated bridge state. */
export function statusReport(platform: Platform, bridge: BridgeState): Record<string, unknown> {
  const base = { version: simVersion(), basic_features: true };
  const methods = [...supportedRpcMethods];
  if (platform === "linux") {
    return {
      ...base,
      advanced_features: false,
      typing_indicators: false,
      read_receipts: false,
      sip: "unknown",
      message: linuxTexts.statusMessage,
      bridge_version: 0,
      v2_ready: false,
      selectors: {},
      rpc_methods: methods,
    };
  }
  const up = isBridgeUp(bridge);
  let message = macTexts.statusSipEnabled;
  if (bridge.sip === "disabled") {
    if (up) message = macTexts.statusConnected;
    else if (bridge.launched && bridge.fallen) message = macTexts.statusFallen;
    else message = macTexts.statusNotInjected;
  }
  let selectors: Record<string, boolean> = {};
  if (up) selectors = { ...bridge.selectors };
  else if (bridge.sip === "disabled" && bridge.launched && bridge.fallen) {
    selectors = { editMessageItem: false, editMessage: false, retractMessagePart: false, sendMessageReason: false };
  }
  return {
    ...base,
    advanced_features: up,
    typing_indicators: up,
    read_receipts: up,
    sip: bridge.sip,
    message,
    bridge_version: up ? 2 : 0,
    v2_ready: up,
    selectors,
    rpc_methods: methods,
  };
}
