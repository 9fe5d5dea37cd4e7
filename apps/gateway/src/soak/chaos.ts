import { setTimeout as sleep } from "node:timers/promises";
import type { HardKill } from "./soak-verdict.ts";
import type { SoakWorld } from "./soak-world.ts";

export const chaosKinds = [
  "kill-imsg",
  "drop-ssh",
  "malformed-lines",
  "slow-agent",
  "restart-gateway-sigterm",
  "restart-gateway-sigkill",
] as const;

export type ChaosKind = (typeof chaosKinds)[number];

export interface ChaosRecord {
  kind: ChaosKind;
  /** Milliseconds since the soak started. */
  at: number;
  detail: string;
}

/** What the chaos loop did and found, for the verdict and the report. */
export interface ChaosLog {
  records: ChaosRecord[];
  hardKills: HardKill[];
  /** Problems the chaos itself observed, e.g. a SIGTERM that did not exit 0. */
  problems: string[];
}

/** One chaos action against the running world. Restarts wait until the new gateway is connected again. */
export async function runChaos(world: SoakWorld, kind: ChaosKind, log: ChaosLog, startedAt: number): Promise<void> {
  const { harness } = world;
  const record = (detail: string): void =>
    void log.records.push({ kind, at: Math.round(performance.now() - startedAt), detail });
  switch (kind) {
    case "kill-imsg": {
      const pid = await world.imsgPid();
      if (pid === undefined) return record("no imsg pid recorded yet; skipped");
      killQuietly(pid);
      return record(`kill -9 of imsg pid ${pid}`);
    }
    case "drop-ssh": {
      const dropped = await world.sshd.dropConnections();
      return record(`dropped ${dropped} SSH connection(s)`);
    }
    case "malformed-lines": {
      // The next imsg child writes a malformed line after its 1st response and an over-long one after its 2nd.
      await world.queueFaults(["--fault-malformed-line-after", "1", "--fault-oversized-line-after", "2"]);
      const pid = await world.imsgPid();
      if (pid !== undefined) killQuietly(pid);
      return record("next imsg child writes a malformed and an over-long line");
    }
    case "slow-agent": {
      world.agentDelayMs = 2_500;
      record("agent answers 2.5 s late for 6 s");
      await sleep(6_000);
      world.agentDelayMs = 0;
      return;
    }
    case "restart-gateway-sigterm": {
      const exit = await world.stopGateway("SIGTERM");
      if (exit !== 0) log.problems.push(`gateway exited ${String(exit)} on SIGTERM (expected 0)`);
      await world.startGateway();
      return record(`SIGTERM (exit ${String(exit)}), restarted`);
    }
    case "restart-gateway-sigkill": {
      const pid = harness.pid;
      await world.stopGateway("SIGKILL");
      const inDoubt = pid === undefined ? [] : world.claimedBy(pid);
      if (pid !== undefined) log.hardKills.push({ pid, inDoubt });
      await world.startGateway();
      return record(`SIGKILL with ${inDoubt.length} row(s) claimed in flight, restarted with catchup`);
    }
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone: the supervisor restarted it meanwhile
  }
}
