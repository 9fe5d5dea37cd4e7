import { describe, expect, it } from "vitest";
import { resolveGatewaySettings } from "./gateway-settings.ts";
import { validateConfig } from "./validate-config.ts";

describe("resolveGatewaySettings", () => {
  it("applies the defaults: a 10-minute retry window from 2 s to 60 s, a 10 s shutdown", () => {
    expect(resolveGatewaySettings({})).toEqual({
      agentRetry: { windowMs: 600_000, initialDelayMs: 2000, maxDelayMs: 60_000 },
      shutdownTimeoutMs: 10_000,
    });
  });

  it("converts what is set, and never lets the backoff's cap fall below its start", () => {
    const settings = resolveGatewaySettings({
      agents: { retry: { maxMinutes: 0.5, initialDelayMs: 5000, maxDelayMs: 1000 } },
      shutdown: { timeoutSeconds: 4 },
    });
    expect(settings).toEqual({
      agentRetry: { windowMs: 30_000, initialDelayMs: 5000, maxDelayMs: 5000 },
      shutdownTimeoutMs: 4000,
    });
  });

  it("refuses a shutdown budget the service managers would cut short, naming why", () => {
    const { config, errors } = validateConfig({ shutdown: { timeoutSeconds: 25 } });
    expect(config).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("shutdown.timeoutSeconds");
    expect(errors[0]).toContain("launchd kills the gateway about 20 s after SIGTERM");
  });

  it("refuses a metrics.port that is not a port number, naming the key and the fix", () => {
    for (const port of [0, 70_000, 80.5]) {
      const { errors } = validateConfig({ metrics: { port } });
      expect(errors).toEqual([expect.stringMatching(/^metrics\.port: .*is not a port number \(1-65535\)/)]);
    }
    expect(validateConfig({ metrics: { port: 9464 } }).errors).toEqual([]);
  });
});
