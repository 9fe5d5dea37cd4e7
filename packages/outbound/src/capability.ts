import type { Logger } from "@imessage-channel/kit";
import { errorMessage } from "@imessage-channel/kit";
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
  /** `imsg --version` (or status `version`), when the probe got one: named in refusals such as an emoji tapback's. */
  version?: string;
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
    ...(version === undefined ? {} : { version }),
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

/** A "down" verdict is believed this long (the reference caches "unavailable" 10 s), so `imsg launch` is seen soon. */
export const bridgeDownTtlMs = 10_000;
/** An "up" verdict is believed this long; a bridge call that fails ends it at once. */
export const bridgeUpTtlMs = 10 * 60 * 1000;
/** The first row waits this long for the first probe; past it, its receipts are skipped rather than sent blind. */
const firstProbeWaitMs = 5_000;

export interface BridgeCapabilityOptions {
  /** Asks imsg what it can do: `probeCapabilities` over the account's one-shot runner. */
  probe: () => Promise<ImsgCapabilities>;
  logger: Logger;
  /** Every probe's facts, for the status file. */
  onProbe?: (capabilities: ImsgCapabilities) => void;
  now?: () => number;
  downTtlMs?: number;
  upTtlMs?: number;
  firstProbeWaitMs?: number;
}

/**
 * The account's one owner of what the Mac's private API bridge can do: the last probe's verdict and until when it is
 * believed. Actions, read receipts and typing all ask it, and a bridge failure seen by any of them re-probes it:
 * - actions (`snapshot`, `refresh`): a verdict other than "up" is probed again before the action, so the first
 *   action after `imsg launch` works without a restart;
 * - receipts and typing (`receipts`): the first row waits for the first probe instead of calling blind; later
 *   rows answer from the verdict at once, and an expired one is refreshed behind them;
 * - `bridgeFailed`: believe "down" for `downTtlMs` and probe again.
 * Logs, once per start, each probe problem and the "typing/read gated off, upgrade imsg" warning of old builds, and
 * every change between up and down.
 */
export class BridgeCapability {
  readonly #options: BridgeCapabilityOptions;
  readonly #now: () => number;
  #snapshot: CapabilitySnapshot = unknownCapability;
  #expiresAt = 0;
  #probing: Promise<CapabilitySnapshot> | undefined;
  #answered = false;
  readonly #said = new Set<string>();

  constructor(options: BridgeCapabilityOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The verdict while it is believed; past its expiry the status reads `unknown` (the build's methods stay known). */
  snapshot(): CapabilitySnapshot {
    if (this.#now() < this.#expiresAt) return this.#snapshot;
    return this.#snapshot.status === "unknown" ? this.#snapshot : { ...this.#snapshot, status: "unknown" };
  }

  /** Probes now; callers during a probe share its answer. Never rejects. */
  refresh(): Promise<CapabilitySnapshot> {
    this.#probing ??= this.#runProbe().finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  /** Probes only when there is no believed verdict (on every (re)connect). */
  refreshIfExpired(): void {
    if (this.#now() >= this.#expiresAt) void this.refresh();
  }

  /**
   * Whether to mark the chat read and show typing for a turn now (`receiptPlan` of the verdict): off while the
   * bridge is believed down or the build lacks the method, on while it is up or nobody knows yet (try; a failure is
   * remembered by `bridgeFailed`). The first turn waits for the first probe; an expired verdict answers at once and
   * is refreshed behind it.
   */
  async receipts(sendReadReceipts: boolean): Promise<{ markRead: boolean; typing: boolean }> {
    if (!this.#answered) {
      if (!(await this.#firstAnswer())) return { markRead: false, typing: false };
    } else if (this.#now() >= this.#expiresAt) {
      void this.refresh();
    }
    const { markRead, typing } = receiptPlan({ sendReadReceipts, capability: this.#snapshot });
    return { markRead, typing };
  }

  /** The capability seams of `createActionExecutor`, answered by this owner. */
  forActions(): {
    capability: () => CapabilitySnapshot;
    probe: () => Promise<CapabilitySnapshot>;
    markStale: () => void;
  } {
    return { capability: () => this.snapshot(), probe: () => this.refresh(), markStale: () => this.bridgeFailed() };
  }

  /** An action, read or typing call failed for want of the bridge: believe "down" for a while and probe again. */
  bridgeFailed(): void {
    this.#set({ ...this.#snapshot, status: "unavailable", selectors: {} }, "a bridge call failed");
    void this.refresh();
  }

  async #firstAnswer(): Promise<boolean> {
    const probing = this.#probing ?? this.refresh();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.#options.firstProbeWaitMs ?? firstProbeWaitMs);
    });
    const answered = await Promise.race([probing.then(() => true), waited]);
    clearTimeout(timer);
    return answered;
  }

  async #runProbe(): Promise<CapabilitySnapshot> {
    const { logger } = this.#options;
    try {
      const capabilities = await this.#options.probe();
      this.#options.onProbe?.(capabilities);
      for (const problem of capabilities.problems) this.#once(() => logger.warn({}, `imsg probe: ${problem}`), problem);
      const next = capabilityFromProbe(capabilities);
      const { warning } = receiptPlan({ sendReadReceipts: true, capability: next });
      if (warning) this.#once(() => logger.warn({}, warning), warning);
      this.#set(next, firstLine(capabilities.status?.message));
    } catch (error) {
      logger.warn({}, `imsg capability probe failed: ${errorMessage(error)}`);
      this.#set(unknownCapability, undefined);
    }
    this.#answered = true;
    return this.#snapshot;
  }

  #set(next: CapabilitySnapshot, reason: string | undefined): void {
    const before = this.#snapshot.status;
    this.#snapshot = next;
    const up = next.status === "available";
    this.#expiresAt =
      this.#now() + (up ? (this.#options.upTtlMs ?? bridgeUpTtlMs) : (this.#options.downTtlMs ?? bridgeDownTtlMs));
    if (next.status === before || next.status === "unknown") return;
    if (next.status === "available") {
      this.#options.logger.info(
        {},
        "imsg private API bridge is up: tapbacks, edits, effects, read receipts and typing work",
      );
    } else {
      this.#options.logger.info(
        {},
        `imsg private API bridge is down${reason ? ` (${reason})` : ""}: actions that need it fail and read receipts and typing are off until \`imsg launch\` on the Mac; the next action checks again`,
      );
    }
  }

  #once(say: () => void, key: string): void {
    if (this.#said.has(key)) return;
    this.#said.add(key);
    say();
  }
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.trim().split("\n", 1)[0];
  return line ? line : undefined;
}
