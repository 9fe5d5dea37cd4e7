/** Edit distance (insert, delete, substitute, swap of neighbours) between two short strings. */
function editDistance(left: string, right: string): number {
  const rows = left.length + 1;
  const columns = right.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, row) =>
    Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)),
  );
  for (let row = 1; row < rows; row++) {
    for (let column = 1; column < columns; column++) {
      const cost = left[row - 1] === right[column - 1] ? 0 : 1;
      const current = table[row]!;
      current[column] = Math.min(
        table[row - 1]![column]! + 1,
        current[column - 1]! + 1,
        table[row - 1]![column - 1]! + cost,
      );
      if (row > 1 && column > 1 && left[row - 1] === right[column - 2] && left[row - 2] === right[column - 1]) {
        current[column] = Math.min(current[column]!, table[row - 2]![column - 2]! + 1);
      }
    }
  }
  return table[left.length]![right.length]!;
}

/** The candidate closest to `input` (case-insensitive), when it is close enough to be a plausible typo. */
export function suggestClosest(input: string, candidates: readonly string[]): string | undefined {
  const lowered = input.toLowerCase();
  const extended = candidates.find((candidate) => lowered.length >= 3 && candidate.toLowerCase().startsWith(lowered));
  if (extended) return extended;
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(lowered, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const tolerance = Math.max(2, Math.floor(best.candidate.length / 3));
  return best.distance <= tolerance ? best.candidate : undefined;
}
