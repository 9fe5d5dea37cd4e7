import {
  type CapabilitySnapshot,
  capabilityFromProbe,
  receiptPlan,
  unknownCapability,
} from "@imessage-channel/outbound";
import type { ImsgCapabilities } from "@imessage-channel/rpc-client";

/** A "down" verdict is believed this long (the reference caches "unavailable" 10 s), so `imsg launch` is seen soon. */
export const bridgeDownTtlMs = 10_000;
/** An "up" verdict is believed this long; a bridge call that fails ends it at once. */
export const bridgeUpTtlMs = 10 * 60 * 1000;
/** The first row waits this long for the first probe; past it, its receipts are skipped rather than sent blind. */
const firstProbeWaitMs = 5_000;

/** What this owner logs through (the gateway's pino logger fits). */
export interface BridgeLogger {
  info(message: string): void;
  warn(message: string): void;
}

export interface BridgeCapabilityOptions {
  /** Asks imsg what it can do: `probeCapabilities` over the account's one-shot runner. */
  probe: () => Promise<ImsgCapabilities>;
  logger: BridgeLogger;
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
 * - receipts and typing (`receiptsAllowed`): the first row waits for the first probe instead of calling blind; later
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
   * Whether read receipts and typing may be tried now: false while the bridge is believed down or the build lacks
   * them, true while it is up, undefined when nobody knows (try; a failure is remembered by `bridgeFailed`).
   */
  async receiptsAllowed(): Promise<boolean | undefined> {
    if (!this.#answered) {
      if (!(await this.#firstAnswer())) return false;
    } else if (this.#now() >= this.#expiresAt) {
      void this.refresh();
    }
    const plan = receiptPlan({ sendReadReceipts: true, capability: this.#snapshot });
    if (!plan.markRead && !plan.typing) return false;
    return this.#snapshot.status === "available" ? true : undefined;
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
      for (const problem of capabilities.problems) this.#once(() => logger.warn(`imsg probe: ${problem}`), problem);
      const next = capabilityFromProbe(capabilities);
      const { warning } = receiptPlan({ sendReadReceipts: true, capability: next });
      if (warning) this.#once(() => logger.warn(warning), warning);
      this.#set(next, firstLine(capabilities.status?.message));
    } catch (error) {
      logger.warn(`imsg capability probe failed: ${error instanceof Error ? error.message : String(error)}`);
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
        "imsg private API bridge is up: tapbacks, edits, effects, read receipts and typing work",
      );
    } else {
      this.#options.logger.info(
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
