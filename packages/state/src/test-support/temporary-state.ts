import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clock } from "@imessage-channel/kit";

/** A fresh state dir under the system temp dir; `remove()` deletes it. */
export function createTemporaryStateDir(): { stateDir: string; remove: () => void } {
  const stateDir = mkdtempSync(join(tmpdir(), "imessage-channel-state-"));
  return { stateDir, remove: () => rmSync(stateDir, { recursive: true, force: true }) };
}

/** A clock that only moves when told to. */
export function createManualClock(start = Date.parse("2026-01-01T12:00:00.000Z")): {
  clock: Pick<Clock, "now">;
  advance: (milliseconds: number) => void;
} {
  let now = start;
  return {
    clock: { now: () => now },
    advance: (milliseconds) => {
      now += milliseconds;
    },
  };
}
