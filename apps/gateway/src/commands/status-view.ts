import type { AccountStatus } from "@imessage-channel/channel";

/** A status file not rewritten for this long (it is every 2 s) means its gateway stopped answering. */
export const staleAfterMs = 15_000;

/**
 * What a status file says about its gateway now: `running` only while the process that wrote it is alive, has not
 * written `stopped`, and still rewrites the file. A gateway killed with SIGKILL (or crashed) leaves a file whose
 * pid is gone: it is `not-running` at once, not after the file goes stale.
 */
export type Liveness =
  | { kind: "running" }
  | { kind: "stopped"; at: string }
  | { kind: "not-running"; lastSeenAt: string }
  | { kind: "unresponsive"; lastSeenAt: string };

export function livenessOf(status: AccountStatus, now: number, isAlive: (pid: number) => boolean): Liveness {
  if (status.state === "stopped") return { kind: "stopped", at: status.stoppedAt ?? status.updatedAt };
  if (!isAlive(status.pid)) return { kind: "not-running", lastSeenAt: status.updatedAt };
  if (now - Date.parse(status.updatedAt) >= staleAfterMs) return { kind: "unresponsive", lastSeenAt: status.updatedAt };
  return { kind: "running" };
}

/** `process.kill(pid, 0)` sends nothing: it only asks whether the process exists (EPERM: it does, another user's). */
export function processIsAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** `4 s`, `12 min`, `3 h`, `2 d`: how long, rounded down to the largest unit that fits. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h`;
  return `${Math.floor(hours / 24)} d`;
}

function ago(iso: string, now: number): string {
  return `${formatDuration(now - Date.parse(iso))} ago`;
}

/**
 * The STATE column: the connection state of a running gateway (`retrying (attempt 5, next in 12 s)` while imsg is
 * restarted with backoff), else why it is not running and since when.
 */
export function stateText(status: AccountStatus | undefined, liveness: Liveness | undefined, now: number): string {
  if (!status || !liveness) return "not running";
  switch (liveness.kind) {
    case "stopped":
      return `stopped (${ago(liveness.at, now)})`;
    case "not-running":
      return `not running (last seen ${ago(liveness.lastSeenAt, now)})`;
    case "unresponsive":
      return `not responding (last seen ${ago(liveness.lastSeenAt, now)})`;
    case "running":
      break;
  }
  if (status.retry && (status.state === "reconnecting" || status.state === "failed")) {
    const next = Date.parse(status.retry.nextAt) - now;
    const when = next > 0 ? `next in ${formatDuration(next)}` : "trying now";
    return `retrying (attempt ${status.retry.attempt}, ${when})`;
  }
  return status.state;
}

/** Rows dropped, summed over every reason. */
export function droppedTotal(status: AccountStatus): number {
  return Object.values(status.counters.dropped).reduce((sum, count) => sum + count, 0);
}

/** `2 too-old, 1 not-allowed`: the dropped counts by reason, most first; empty when none. */
export function droppedByReason(status: AccountStatus): string {
  return Object.entries(status.counters.dropped)
    .filter(([, count]) => count > 0)
    .sort(([, a], [, b]) => b - a)
    .map(([reason, count]) => `${count} ${reason}`)
    .join(", ");
}

/** The counter columns of one account: RECV, DISP, REPLAYED, SENT, FAILED, DROPPED (`-` without a status file). */
export function counterCells(status: AccountStatus | undefined): string[] {
  if (!status) return ["-", "-", "-", "-", "-", "-"];
  const { received, dispatched, replayed, sent, failed } = status.counters;
  return [received, dispatched, replayed, sent, failed, droppedTotal(status)].map(String);
}

/** UPTIME and LAST EVENT: only while the gateway runs (a stopped one's uptime means nothing). */
export function timeCells(status: AccountStatus | undefined, liveness: Liveness | undefined, now: number): string[] {
  const uptime = status && liveness?.kind === "running" ? formatDuration(now - Date.parse(status.startedAt)) : "-";
  return [uptime, lastEventText(status, now)];
}

/** `sent 12 s ago`: what happened last and when (a status file from before `lastEvent` gives only the time). */
function lastEventText(status: AccountStatus | undefined, now: number): string {
  if (!status?.lastEventAt) return "-";
  const when = ago(status.lastEventAt, now);
  return status.lastEvent ? `${status.lastEvent} ${when}` : when;
}
