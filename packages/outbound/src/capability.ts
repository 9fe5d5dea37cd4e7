import { type ImsgCapabilities, versionAtLeast } from "@imessage-channel/rpc-client";

/**
 * What the cached private-API probe knows. `unknown` until a probe ran (or after the bridge vanished at dispatch and
 * the status went stale); `selectors` and `rpcMethods` as `imsg status --json` reports them
 * (docs/imsg-protocol.md#status).
 */
export interface CapabilitySnapshot {
  status: "unknown" | "available" | "unavailable";
  selectors: Readonly<Record<string, boolean>>;
  /** The binary's compiled methods: status `rpc_methods` (0.7.3+), or inferred from the version for older builds. */
  rpcMethods?: readonly string[];
  /** True when `rpcMethods` was inferred because the build predates the per-method list. */
  rpcMethodsInferred?: boolean;
}

export const unknownCapability: CapabilitySnapshot = { status: "unknown", selectors: {} };

/**
 * The rpc-client's probe (`probeCapabilities`) → a snapshot. A probe that got no `status --json` at all is
 * inconclusive (`unknown`) unless the version says the build is too old to have a bridge. `rpcMethodsInferred`
 * marks a build that predates `rpc_methods` (0.7.3): its status printed none, or its version is older; a status
 * that merely failed on a newer build leaves the version table in charge without the mark.
 */
export function capabilityFromProbe(capabilities: ImsgCapabilities): CapabilitySnapshot {
  const reported = capabilities.status !== undefined;
  const status: CapabilitySnapshot["status"] = capabilities.privateApi.available
    ? "available"
    : reported || capabilities.version !== undefined
      ? "unavailable"
      : "unknown";
  const { version } = capabilities;
  const predatesList =
    capabilities.status?.rpcMethods === undefined &&
    (reported || (version !== undefined && !versionAtLeast(version, "0.7.3")));
  return {
    status,
    selectors: { ...capabilities.privateApi.selectors },
    ...(capabilities.rpcSupported ? { rpcMethods: [...capabilities.rpcMethods] } : {}),
    ...(capabilities.rpcSupported && predatesList ? { rpcMethodsInferred: true } : {}),
  };
}

/** The fields of `imsg status --json` that decide capability (snake_case, as the CLI prints them). */
export interface ImsgStatusJson {
  advanced_features?: boolean;
  selectors?: Record<string, unknown>;
  rpc_methods?: unknown;
}

/** `imsg status --json` → a capability snapshot. */
export function capabilityFromStatus(status: ImsgStatusJson): CapabilitySnapshot {
  const selectors = Object.fromEntries(
    Object.entries(status.selectors ?? {}).filter((entry): entry is [string, boolean] => typeof entry[1] === "boolean"),
  );
  const rpcMethods = Array.isArray(status.rpc_methods)
    ? status.rpc_methods.filter((method): method is string => typeof method === "string")
    : undefined;
  return {
    status: status.advanced_features === true ? "available" : "unavailable",
    selectors,
    ...(rpcMethods ? { rpcMethods } : {}),
  };
}

/** The reference's one-time warning for builds before `rpc_methods` (0.7.3), which gate typing and read off. */
const receiptsGatedOffWarning =
  "imsg build predates the per-method capability list (rpc_methods); read receipts and typing are off; upgrade imsg to 0.7.3 or later";

/** Read receipts and typing for one turn: only through a bridge that is up (or not yet probed) and allowed by config. */
export function receiptPlan(options: { sendReadReceipts: boolean; capability: CapabilitySnapshot }): {
  markRead: boolean;
  typing: boolean;
  /**
   * Set when the imsg build predates the per-method list, whatever the bridge does (such a build has no `typing` or
   * `read` method): log it once per start, so the missing receipt is attributable.
   */
  warning?: string;
} {
  const { capability } = options;
  const predatesList =
    capability.rpcMethodsInferred === true ||
    (capability.status === "available" && capability.rpcMethods === undefined);
  if (predatesList) return { markRead: false, typing: false, warning: receiptsGatedOffWarning };
  if (capability.status === "unavailable") return { markRead: false, typing: false };
  const has = (method: string) => capability.rpcMethods === undefined || capability.rpcMethods.includes(method);
  return { markRead: options.sendReadReceipts && has("read"), typing: has("typing") };
}
