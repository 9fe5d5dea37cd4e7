/**
 * imsg 0.14+ writes a subscribe response before the subscription's first notification (docs/imsg-protocol.md,
 * Watch on 0.14+). A handler attaches a release callback to its result under this symbol (JSON never serialises
 * it); the server calls `releaseAfterResponse` once the response line is written, or right away for a request
 * without an id, which gets no response.
 */
const afterResponse = Symbol("imsg-sim.afterResponse");

type Gated = Record<string, unknown> & { [afterResponse]?: () => void };

/** `result`, carrying `release` to run once the response is out. */
export function withAfterResponse<T extends Record<string, unknown>>(result: T, release: () => void): T {
  Object.defineProperty(result, afterResponse, { value: release, enumerable: false });
  return result;
}

/** Runs the release callback a handler attached to `result`, if any. */
export function releaseAfterResponse(result: unknown): void {
  if (typeof result !== "object" || result === null) return;
  (result as Gated)[afterResponse]?.();
}
