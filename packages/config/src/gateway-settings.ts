import { defaults } from "./defaults.ts";
import type { Config } from "./schema.ts";

/** What the running gateway needs beyond accounts and routing: agent outage retries and the shutdown budget. */
export interface GatewaySettings {
  /** `agents.retry`: a turn whose agent is unavailable is retried with backoff for `windowMs`, then answered with `errorReply`. */
  agentRetry: { windowMs: number; initialDelayMs: number; maxDelayMs: number };
  /** `shutdown.timeoutSeconds` in ms: the gateway has exited this long after SIGTERM. */
  shutdownTimeoutMs: number;
}

export function resolveGatewaySettings(config: Config): GatewaySettings {
  const retry = config.agents?.retry ?? {};
  const initialDelayMs = retry.initialDelayMs ?? defaults.agentRetry.initialDelayMs;
  return {
    agentRetry: {
      windowMs: Math.round((retry.maxMinutes ?? defaults.agentRetry.maxMinutes) * 60_000),
      initialDelayMs,
      maxDelayMs: Math.max(initialDelayMs, retry.maxDelayMs ?? defaults.agentRetry.maxDelayMs),
    },
    shutdownTimeoutMs: Math.round((config.shutdown?.timeoutSeconds ?? defaults.shutdownTimeoutSeconds) * 1000),
  };
}
