/** How long until `expiresAt`, as an operator reads it at a glance: `in 59 min`, `in 1 min`, `in under a minute`. */
export function formatExpiresIn(expiresAt: string, now: number): string {
  const minutes = Math.floor((Date.parse(expiresAt) - now) / 60_000);
  if (minutes < 1) return "in under a minute";
  return `in ${minutes} min`;
}

/** How long ago `at` was: `just now`, `12 min ago`, `3 h ago`, `4 days ago`. */
export function formatAgo(at: string, now: number): string {
  const minutes = Math.floor((now - Date.parse(at)) / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
