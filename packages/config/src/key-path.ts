/** One segment of a key path: an object key or an array index. */
export type PathSegment = string | number;

const plainKey = /^[A-Za-z0-9_$*-]+$/;

/** `channels.imessage.accounts.work.dmPolicy`, `agents.list[0].id`, `groups["a.b"]`. */
export function formatKeyPath(path: readonly PathSegment[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else if (plainKey.test(segment)) text += text ? `.${segment}` : segment;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text || "(root)";
}

/** The inverse of `formatKeyPath`, for the key paths that start the config package's error lines. */
export function parsePath(text: string): PathSegment[] {
  const segments: PathSegment[] = [];
  const pattern = /([A-Za-z0-9_$*-]+)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\./gy;
  for (const match of text.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else if (match[3] !== undefined) segments.push(JSON.parse(match[3]) as string);
  }
  return segments;
}

/** The value at `path` inside `root`, or undefined when any step is missing. */
export function valueAtPath(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

/** A value as it appears in a one-line problem: JSON, cut to a readable length. */
export function formatValue(value: unknown): string {
  if (value === undefined) return "missing";
  // JSON.stringify would print Infinity and NaN (which JSON5 files may hold) as null.
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
