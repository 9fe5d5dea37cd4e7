import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { type AccountStatus, statusFilePath } from "@imessage-channel/channel";

/** The account's status file, or undefined while it is missing or caught mid-rename. */
export async function readAccountStatus(stateDir: string, accountId = "default"): Promise<AccountStatus | undefined> {
  try {
    return JSON.parse(await readFile(statusFilePath(stateDir, accountId), "utf8")) as AccountStatus;
  } catch {
    return undefined;
  }
}

/**
 * Reads the status file every 250 ms for `durationMs` and returns the first `degraded` reason that says state.db
 * cannot be written, or undefined when none showed.
 */
export async function watchForNotWritable(stateDir: string, durationMs: number): Promise<string | undefined> {
  const deadline = performance.now() + durationMs;
  let seen: string | undefined;
  while (performance.now() < deadline) {
    const status = await readAccountStatus(stateDir);
    if (!seen && status?.state === "degraded" && status.reason?.startsWith("state.db not writable")) {
      seen = status.reason;
    }
    await sleep(250);
  }
  return seen;
}
