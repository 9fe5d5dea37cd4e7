import { appendFileSync, readFileSync } from "node:fs";

/** One line of the request log: an RPC request as it was read, or a CLI command once it answered. */
export type RequestRecord =
  | { at: string; pid: number; kind: "rpc"; method: string; params?: unknown }
  | { at: string; pid: number; kind: "cli"; args: string[]; code: number };

type NewRecord = { kind: "rpc"; method: string; params?: unknown } | { kind: "cli"; args: string[]; code: number };

/**
 * Appends one record to the log at `path` (`--request-log`). Every sim process of a test can share one file: each
 * record is a single small append, so lines stay whole and the file's order is the order things happened.
 */
export function recordRequest(path: string | undefined, record: NewRecord): void {
  if (!path) return;
  appendFileSync(path, `${JSON.stringify({ at: new Date().toISOString(), pid: process.pid, ...record })}\n`);
}

/** The request log, oldest first; empty when nothing was recorded yet. */
export function readRequestLog(path: string): RequestRecord[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as RequestRecord);
}
