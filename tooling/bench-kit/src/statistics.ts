/** The value at `fraction` (0.5 for p50, 0.99 for p99) of values sorted ascending: the nearest rank below. */
export function percentile(sortedAscending: readonly number[], fraction: number): number {
  if (sortedAscending.length === 0) return Number.NaN;
  return sortedAscending[Math.min(sortedAscending.length - 1, Math.floor(sortedAscending.length * fraction))]!;
}

/** The middle value (the upper one of an even count), for a figure taken as the median of a few runs. */
export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((left, right) => left - right),
    0.5,
  );
}
