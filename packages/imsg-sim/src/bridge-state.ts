import { readFileSync, writeFileSync } from "node:fs";

/** The four IMCore selectors `status --json` reports once the bridge is up. */
export interface BridgeSelectors {
  editMessageItem: boolean;
  editMessage: boolean;
  retractMessagePart: boolean;
  sendMessageReason: boolean;
  /**
   * 0.14+ bridges report many more (`createChat`, …; see bridge-probe.ts), among them 0.15's
   * `clientMessageGuidReservation` (behind `send.tracked`) and `emojiTapbackSend` (arbitrary-emoji tapbacks).
   */
  [selector: string]: boolean;
}

/** Simulated Mac-side bridge: SIP, whether Messages.app runs with the helper injected, and a fault. */
export interface BridgeState {
  sip: "enabled" | "disabled" | "unknown";
  launched: boolean;
  /** The helper stopped answering after it was up ("bridge falls out"): selectors go false. */
  fallen: boolean;
  selectors: BridgeSelectors;
  /** 0.14+: the helper reports its chat registry; false makes the probed bridge "not ready". Default true. */
  registryAvailable?: boolean;
  /** 0.15: the version the injected helper reports; `status --json` flags one that differs from the CLI's. */
  helperVersion?: string;
}

export const defaultSelectors: BridgeSelectors = {
  editMessageItem: true,
  editMessage: false,
  retractMessagePart: true,
  sendMessageReason: true,
};

export const defaultBridgeState: BridgeState = {
  sip: "enabled",
  launched: false,
  fallen: false,
  selectors: defaultSelectors,
};

/** The state file that sits next to the db: `<db>.bridge.json`. */
export function bridgeStatePath(dbPath: string): string {
  return `${dbPath}.bridge.json`;
}

/** Reads the bridge state file, falling back to defaults for a missing file or missing keys. */
export function readBridgeState(dbPath: string): BridgeState {
  try {
    const stored = JSON.parse(readFileSync(bridgeStatePath(dbPath), "utf8")) as Partial<BridgeState>;
    return {
      ...defaultBridgeState,
      ...stored,
      selectors: { ...defaultSelectors, ...(stored.selectors ?? {}) },
    };
  } catch {
    return { ...defaultBridgeState };
  }
}

/** Merges `changes` into the state file next to the db; tests flip the bridge up, down or fallen with it. */
export function writeBridgeState(dbPath: string, changes: Partial<BridgeState>): BridgeState {
  const next = { ...readBridgeState(dbPath), ...changes };
  writeFileSync(bridgeStatePath(dbPath), `${JSON.stringify(next)}\n`);
  return next;
}

/** True when bridge calls succeed: SIP off, Messages injected, helper answering. */
export function isBridgeUp(state: BridgeState): boolean {
  return state.sip === "disabled" && state.launched && !state.fallen;
}
