/**
 * A memo for pure, string-keyed results (phone parsing is the expensive part of a decision and allowlists
 * repeat on every message). Bounded: when full it starts over rather than growing with every stranger's handle.
 */
export function boundedMemo<Result>(compute: (key: string) => Result, capacity = 4096): (key: string) => Result {
  const cache = new Map<string, Result>();
  return (key) => {
    if (cache.has(key)) return cache.get(key) as Result;
    const result = compute(key);
    if (cache.size >= capacity) cache.clear();
    cache.set(key, result);
    return result;
  };
}
