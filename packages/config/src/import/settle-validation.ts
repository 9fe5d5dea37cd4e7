import { formatKeyPath, type PathSegment, parsePath } from "../key-path.ts";
import { configSchema } from "../schema.ts";
import { validateConfig } from "../validate-config.ts";
import { type ImportNote, isRecord } from "./import-note.ts";

/** Keys whose loss makes their list element meaningless: the whole agent or binding goes instead. */
const requiredKeys = new Set([
  "id",
  "runtime",
  "type",
  "agentId",
  "match",
  "channel",
  "kind",
  "command",
  "url",
  "baseUrl",
  "model",
  "agent",
]);

function parentOf(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path.slice(0, -1)) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PathSegment, unknown>)[segment];
  }
  return current;
}

/** The part of the config to drop for a problem at `path`: the value itself, or the list element it belongs to. */
function droppedPath(root: unknown, path: readonly PathSegment[]): PathSegment[] {
  const elementEnd = path.findLastIndex((segment) => typeof segment === "number");
  const leaf = path.at(-1);
  const missing =
    parentOf(root, path) === undefined || (parentOf(root, path) as Record<PathSegment, unknown>)[leaf!] === undefined;
  const listElement = elementEnd >= 0 && ["list", "bindings"].includes(String(path[elementEnd - 1]));
  if (listElement && (missing || requiredKeys.has(String(leaf)))) return path.slice(0, elementEnd + 1);
  if (missing) return path.slice(0, -1);
  return [...path];
}

function remove(root: unknown, path: readonly PathSegment[]): void {
  const parent = parentOf(root, path);
  const leaf = path.at(-1)!;
  if (Array.isArray(parent) && typeof leaf === "number") parent.splice(leaf, 1);
  else if (isRecord(parent)) delete parent[leaf as string];
}

interface Problem {
  path: PathSegment[];
  reason: string;
}

function firstProblem(config: Record<string, unknown>): Problem | undefined {
  const parsed = configSchema.safeParse(config);
  const lines = validateConfig(config).errors;
  const reasonFor = (path: PathSegment[], fallback: string) => {
    const prefix = `${formatKeyPath(path)}: `;
    const line = lines.find((candidate) => candidate.startsWith(prefix));
    return line ? line.slice(prefix.length) : fallback;
  };
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === "unrecognized_keys") {
      const path = [...(issue.path as PathSegment[]), issue.keys[0]!];
      return { path, reason: reasonFor(path, "imessage-channel has no such key here") };
    }
    const path = issue.path as PathSegment[];
    const nested = issue.code === "invalid_key" ? issue.issues[0]?.message : undefined;
    return { path, reason: reasonFor(path, nested ?? issue.message) };
  }
  const line = lines[0];
  if (!line) return undefined;
  const separator = line.indexOf(": ");
  return { path: parsePath(line.slice(0, separator)), reason: line.slice(separator + 2) };
}

/**
 * Drops, one at a time, every value the config package rejects (a bad remoteHost, a binding to a missing
 * agent…), noting each with the package's own message, until the config validates.
 */
export function settleValidation(config: Record<string, unknown>, notes: ImportNote[]): Record<string, unknown> {
  const settled = structuredClone(config);
  for (let attempt = 0; attempt < 500; attempt += 1) {
    const problem = firstProblem(settled);
    if (!problem) return settled;
    const path = droppedPath(settled, problem.path);
    if (path.length === 0) throw new Error(`the imported config cannot be made valid: ${problem.reason}`);
    remove(settled, path);
    const whole =
      path.length < problem.path.length ? ` (the whole entry: ${formatKeyPath(problem.path)} was the problem)` : "";
    notes.push({ path: formatKeyPath(path), carried: false, reason: `${problem.reason}${whole}` });
  }
  throw new Error("the imported config did not settle after 500 corrections");
}
