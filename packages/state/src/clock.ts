/** Milliseconds since the epoch; injected so every expiry can be tested without waiting. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

export function toIsoString(epochMilliseconds: number): string {
  return new Date(epochMilliseconds).toISOString();
}
