import { vi } from "vitest";

/**
 * `vi.waitFor` that names what it waited for: polls `condition` every 10 ms until it returns something truthy (which
 * it resolves to), or fails after `timeoutMs` with `timed out waiting for <what>`. Tests only: vitest must be running.
 */
export function waitFor<T>(condition: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  return vi.waitFor(
    () => {
      const value = condition();
      if (!value) throw new Error(`timed out waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: 10 },
  );
}
