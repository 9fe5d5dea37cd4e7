import { bridgeHasSelector } from "./bridge-features.ts";
import { probeBridge } from "./bridge-probe.ts";
import { type BridgeState, isBridgeUp } from "./bridge-state.ts";
import { compiledRpcMethods } from "./compiled-methods.ts";
import { type ImsgPersonality, imsgPersonality } from "./personality.ts";
import { linuxTexts, macTexts } from "./platform-texts.ts";
import { simVersion } from "./rpc-methods-list.ts";
import { capabilitiesBlock } from "./status-snapshot.ts";

export type Platform = "mac" | "linux";

/**
 * `imsg status --json` (docs/imsg-protocol.md#status) for a platform, simulated bridge state and imsg build (older
 * builds have fewer keys).
 */
export function statusReport(
  platform: Platform,
  bridge: BridgeState,
  build: ImsgPersonality = imsgPersonality(),
  environment: NodeJS.ProcessEnv = process.env,
): Record<string, unknown> {
  const report = withoutNewerKeys(fullStatusReport(platform, bridge, build, environment), build);
  return build.statusHasHelperVersion ? withHelperKeys(report, platform, bridge, build, environment) : report;
}

/** The probe-timeout text of 0.15's `status` (docs/imsg-protocol.md, status). */
export const hungHelperText =
  "The IMCore bridge is not responding.\nMessages.app may be running with a stale or hung helper.\nRe-inject it with `imsg launch`.";

/** The sim's wording for a helper whose version differs from the CLI's (imsg's exact text is not known). */
export function helperMismatchText(helper: string, cli: string): string {
  return `The injected bridge helper reports version ${helper}, but this imsg is ${cli}. Re-inject it with \`imsg launch\`.`;
}

/** 0.15's additions: the helper's version (only while one answers), a mismatch note, and the capabilities block. */
function withHelperKeys(
  report: Record<string, unknown>,
  platform: Platform,
  bridge: BridgeState,
  build: ImsgPersonality,
  environment: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const extended = { ...report };
  const up = platform === "mac" && isBridgeUp(bridge);
  if (platform === "mac" && bridge.sip === "disabled" && bridge.launched && bridge.fallen) {
    extended.message = hungHelperText;
  }
  if (up) {
    const cli = simVersion(environment, build.version);
    const helper = bridge.helperVersion ?? cli;
    extended.helper_version = helper;
    if (helper !== cli) extended.helper_version_mismatch = helperMismatchText(helper, cli);
  }
  extended.capabilities = capabilitiesBlock(build, probeBridge(bridge, platform));
  return extended;
}

/** Drops what `build` did not print yet: `bridge_version`/`v2_ready`/`selectors` (0.7.0), `rpc_methods` (0.7.3), `version` (0.9.0). */
function withoutNewerKeys(report: Record<string, unknown>, build: ImsgPersonality): Record<string, unknown> {
  const kept = { ...report };
  if (!build.statusHasVersion) delete kept.version;
  if (!build.statusHasRpcMethods) delete kept.rpc_methods;
  if (!build.statusHasBridgeKeys) {
    delete kept.bridge_version;
    delete kept.v2_ready;
    delete kept.selectors;
  }
  return kept;
}

function fullStatusReport(
  platform: Platform,
  bridge: BridgeState,
  build: ImsgPersonality,
  environment: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const base = { version: simVersion(environment, build.version), basic_features: true };
  // 0.15 lists send.tracked only while the bridge can reserve message GUIDs.
  const methods = compiledRpcMethods(build, platform).filter(
    (method) => method !== "send.tracked" || bridgeHasSelector(bridge, "clientMessageGuidReservation"),
  );
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
