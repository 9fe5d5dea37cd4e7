/**
 * How the delay grows between retries: `initialMs` after the first failure, doubling up to `maxMs`. Jitter keeps
 * many retries that failed together (a Mac reboot, an agent outage) from all landing at once:
 * - `"equal"`: half the step fixed, half random, so a retry never comes sooner than half the step;
 * - `"proportional"`: ±25% around the step;
 * - `"none"`: the step itself (one queue retrying its own writes has nobody to fall in step with).
 */
export interface BackoffPolicy {
  initialMs: number;
  maxMs?: number;
  jitter?: "equal" | "proportional" | "none";
}

/** The delay before retry number `attempt` (1-based: the wait after the first failure is attempt 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const doublings = Math.min(Math.max(0, attempt - 1), 30);
  const step = Math.min(policy.maxMs ?? Number.POSITIVE_INFINITY, policy.initialMs * 2 ** doublings);
  switch (policy.jitter ?? "proportional") {
    case "none":
      return step;
    case "equal":
      return step / 2 + (random() * step) / 2;
    case "proportional":
      return step * (0.75 + random() * 0.5);
  }
}
