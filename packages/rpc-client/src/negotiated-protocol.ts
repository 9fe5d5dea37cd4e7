import type { WireInitializeResult } from "./wire-schemas.ts";

/**
 * What one imsg connection said about itself in `initialize` (0.14+, docs/imsg-protocol.md#initialize-and-status).
 * Builds before 0.14 answer `initialize` with -32601: they speak protocol 0, and only the one-shot probe
 * (`probeCapabilities`: `--version`, `status --json`) can tell more.
 */
export interface NegotiatedProtocol {
  /** 1 when `initialize` answered; 0 for a build that has no `initialize` (≤ 0.13). */
  protocolVersion: 0 | 1;
  /** `x.y.z` as imsg reported it (only when `initialize` answered). */
  version?: string;
  /** Methods usable now (database, bridge selectors and platform satisfied); gate every call on these. */
  methods?: readonly string[];
  /** Everything compiled in, usable or not. */
  supportedMethods?: readonly string[];
  /** `capabilities.features`, e.g. `{"tapback.emoji": 2}`. */
  features: Readonly<Record<string, number>>;
  database?: { ready: boolean; path?: string; error?: string; features: Readonly<Record<string, boolean>> };
  bridge?: {
    ready: boolean;
    bridgeVersion?: number;
    v2Ready?: boolean;
    registryAvailable?: boolean;
    selectors: Readonly<Record<string, boolean>>;
    error?: string;
  };
  contactsAvailable?: boolean;
}

/** A build before 0.14: `initialize` is unknown to it. */
export const legacyProtocol: NegotiatedProtocol = { protocolVersion: 0, features: {} };

export function negotiatedFromWire(wire: WireInitializeResult): NegotiatedProtocol {
  const negotiated: NegotiatedProtocol = { protocolVersion: 1, features: { ...wire.capabilities?.features } };
  if (wire.version !== undefined) negotiated.version = wire.version;
  if (wire.methods !== undefined) negotiated.methods = wire.methods;
  if (wire.supported_methods !== undefined) negotiated.supportedMethods = wire.supported_methods;
  if (wire.database !== undefined) {
    const { ready, path, error, features } = wire.database;
    negotiated.database = {
      ready,
      features: { ...features },
      ...(path === undefined ? {} : { path }),
      ...(error === undefined ? {} : { error }),
    };
  }
  if (wire.bridge !== undefined) {
    const bridge = wire.bridge;
    negotiated.bridge = {
      ready: bridge.ready,
      selectors: { ...bridge.selectors },
      ...(bridge.bridge_version === undefined ? {} : { bridgeVersion: bridge.bridge_version }),
      ...(bridge.v2_ready === undefined ? {} : { v2Ready: bridge.v2_ready }),
      ...(bridge.registry_available === undefined ? {} : { registryAvailable: bridge.registry_available }),
      ...(bridge.error === undefined ? {} : { error: bridge.error }),
    };
  }
  if (wire.contacts !== undefined) negotiated.contactsAvailable = wire.contacts.available;
  return negotiated;
}
