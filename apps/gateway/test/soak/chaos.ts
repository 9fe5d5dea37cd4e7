import { setTimeout as sleep } from "node:timers/promises";
import { setFileSizeLimit } from "./file-size-limit.ts";
import type { HardKill } from "./soak-verdict.ts";
import { type SoakWorld, soakShutdownTimeoutSeconds } from "./soak-world.ts";
import { holdWriteLock } from "./state-db-lock.ts";
import { watchForNotWritable } from "./status-watch.ts";

export const chaosKinds = [
  "kill-imsg",
  "drop-ssh",
  "malformed-lines",
  "slow-agent",
  "restart-gateway-sigterm",
  "restart-gateway-sigkill",
  "lock-state-db",
  "fill-state-dir",
  "sigterm-then-sigkill",
  "deep-json-line",
  "lost-send-outcomes",
] as const;

export type ChaosKind = (typeof chaosKinds)[number];

export interface ChaosRecord {
  kind: ChaosKind;
  /** Milliseconds since the soak started. */
  at: number;
  detail: string;
}

/** While state.db could not be written (locked or full): the `degraded` reason the status file showed, if any. */
export interface NotWritableSpell {
  kind: "lock-state-db" | "fill-state-dir";
  degradedReason: string | undefined;
}

/** A SIGTERM with slow turns running, and whether the gateway exited on its own before the service manager's SIGKILL. */
export interface BoundedShutdown {
  pid: number;
  exitedBeforeKill: boolean;
  exit: number | string | null;
}

/** How a faulted send ends without its answer reaching the gateway (imsg-sim `--fault-mutation`). */
export const lostSendOutcomes = ["may_have_completed", "still_in_flight", "killed"] as const;

export type LostSendOutcome = (typeof lostSendOutcomes)[number];

/** A lost answer queued for the next imsg child: its `nth` send (tracked or plain) ends with `outcome`. */
export interface LostSendFault {
  outcome: LostSendOutcome;
  nth: number;
  /** The `--fault-mutation` value the child was given. */
  rules: string;
}

/** What the chaos loop did and found, for the verdict and the report. */
export interface ChaosLog {
  records: ChaosRecord[];
  hardKills: HardKill[];
  notWritable: NotWritableSpell[];
  shutdowns: BoundedShutdown[];
  lostSends: LostSendFault[];
  /** Problems the chaos itself observed, e.g. a SIGTERM that did not exit 0. */
  problems: string[];
}

export function emptyChaosLog(): ChaosLog {
  return { records: [], hardKills: [], notWritable: [], shutdowns: [], lostSends: [], problems: [] };
}

const lockHoldMs = 25_000;
const fillHoldMs = 10_000;
/**
 * The soft file-size limit while the state dir is "full". Linux fails every write at or past it, over old bytes
 * too; the WAL cycles through its first few MB, so at 64 KiB the gateway's next transaction meets it, where a limit
 * at state.db's size could leave it seconds of room. The status file (a few hundred bytes) still fits.
 */
const fillLimitBytes = 64 * 1024;
/** How long the slow agent takes per answer in `sigterm-then-sigkill`: longer than the whole shutdown budget. */
const slowTurnMs = 15_000;
/** A service manager's stop timeout: SIGKILL this long after SIGTERM. */
const killAfterMs = (soakShutdownTimeoutSeconds + 2) * 1000;

/**
 * The faulted send is one of the new child's first few, so it comes before the next chaos action restarts it
 * (at 6 rows a second, a second or two of replies).
 */
const lostSendLatestNth = 3;

/**
 * The `--fault-mutation` rules for one lost answer: the `nth` send of the child ends with `outcome`, whether the
 * gateway sends it with `send.tracked` (imsg 0.15 with the bridge up) or with plain `send` (older imsg, no bridge,
 * files: the history path). Each rule counts only its own method's sends.
 */
function lostSendRules(outcome: LostSendOutcome, nth: number): string {
  return ["send.tracked", "send"].map((method) => `${outcome}:${method}@${nth}`).join(",");
}

/**
 * One chaos action against the running world. Restarts wait until the new gateway is connected again; `random` is
 * the soak's seeded generator, for the choices a kind makes.
 */
export async function runChaos(
  world: SoakWorld,
  kind: ChaosKind,
  log: ChaosLog,
  startedAt: number,
  random: () => number,
): Promise<void> {
  const { harness } = world;
  const record = (detail: string): void =>
    void log.records.push({ kind, at: Math.round(performance.now() - startedAt), detail });
  const restarted = world.catchup ? "restarted with catchup" : "restarted without catchup (from the saved cursor)";
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
      await killImsg(world);
      return record("next imsg child writes a malformed and an over-long line");
    }
    case "deep-json-line": {
      await world.queueFaults(["--fault-deep-line-after", "1"]);
      await killImsg(world);
      return record("next imsg child writes a line nested 1,000,000 deep");
    }
    case "lost-send-outcomes": {
      const outcome = lostSendOutcomes[Math.floor(random() * lostSendOutcomes.length)]!;
      const nth = 1 + Math.floor(random() * lostSendLatestNth);
      const rules = lostSendRules(outcome, nth);
      await world.queueFaults(["--fault-mutation", rules]);
      await killImsg(world);
      log.lostSends.push({ outcome, nth, rules });
      return record(`next imsg child loses the answer to its send #${nth} (${outcome})`);
    }
    case "slow-agent": {
      world.agentDelayMs = 2_500;
      record("agent answers 2.5 s late for 6 s");
      await sleep(6_000);
      world.agentDelayMs = 0;
      return;
    }
    case "restart-gateway-sigterm": {
      const stop = await terminate(world, undefined);
      if (stop.exit !== 0) log.problems.push(`gateway exited ${String(stop.exit)} on SIGTERM (expected 0)`);
      if (stop.inDoubt.length) log.hardKills.push({ pid: stop.pid, inDoubt: stop.inDoubt });
      await world.startGateway();
      return record(`SIGTERM (exit ${String(stop.exit)}), ${restarted}`);
    }
    case "restart-gateway-sigkill": {
      const pid = harness.pid;
      await world.stopGateway("SIGKILL");
      const inDoubt = pid === undefined ? [] : world.claimedBy(pid);
      if (pid !== undefined) log.hardKills.push({ pid, inDoubt });
      await world.startGateway();
      return record(`SIGKILL with ${inDoubt.length} row(s) claimed in flight, ${restarted}`);
    }
    case "sigterm-then-sigkill": {
      world.agentDelayMs = slowTurnMs;
      // Rows keep coming while the agent thinks: a few turns run and more queue behind them.
      await sleep(3_000);
      const stop = await terminate(world, killAfterMs);
      world.agentDelayMs = 0;
      log.hardKills.push({ pid: stop.pid, inDoubt: stop.inDoubt });
      log.shutdowns.push({ pid: stop.pid, exitedBeforeKill: !stop.killed, exit: stop.exit });
      if (stop.killed) {
        log.problems.push(
          `gateway pid ${stop.pid} still ran ${killAfterMs} ms after SIGTERM (shutdown.timeoutSeconds ${soakShutdownTimeoutSeconds}): killed`,
        );
      } else if (stop.exit !== 0) {
        log.problems.push(`gateway exited ${String(stop.exit)} on SIGTERM with slow turns (expected 0)`);
      }
      await world.startGateway();
      const outcome = stop.killed ? "SIGKILLed" : `exited ${String(stop.exit)} before the SIGKILL`;
      return record(`SIGTERM with slow turns: ${outcome}, ${stop.inDoubt.length} row(s) in doubt, ${restarted}`);
    }
    case "lock-state-db": {
      const lock = await holdWriteLock(world.stateDbPath, lockHoldMs);
      const degradedReason = await watchForNotWritable(harness.stateDir, lockHoldMs);
      await lock.released;
      log.notWritable.push({ kind, degradedReason });
      return record(`another process held state.db's write lock for ${lockHoldMs / 1000} s; ${seen(degradedReason)}`);
    }
    case "fill-state-dir": {
      const pid = harness.pid;
      if (pid === undefined) return record("no gateway running; skipped");
      if (!(await setFileSizeLimit(pid, fillLimitBytes))) return record("prlimit is not installed; skipped");
      let degradedReason: string | undefined;
      try {
        degradedReason = await watchForNotWritable(harness.stateDir, fillHoldMs);
      } finally {
        await setFileSizeLimit(pid, undefined);
      }
      log.notWritable.push({ kind, degradedReason });
      return record(
        `no file could grow past ${fillLimitBytes / 1024} KiB for ${fillHoldMs / 1000} s; ${seen(degradedReason)}`,
      );
    }
  }
}

function seen(degradedReason: string | undefined): string {
  return degradedReason ? `the status said "${degradedReason}"` : "the status never said state.db was not writable";
}

/**
 * SIGTERM, and SIGKILL once `killAfterMs` passed without an exit (undefined: wait as long as it takes). The rows
 * the gateway held claimed meanwhile are in doubt: a turn that shutdown cancelled reached the agent and is asked
 * again after the restart.
 */
async function terminate(
  world: SoakWorld,
  killAfterMs: number | undefined,
): Promise<{ pid: number; exit: number | string | null; killed: boolean; inDoubt: string[] }> {
  const pid = world.harness.pid;
  if (pid === undefined) throw new Error("no gateway is running to stop");
  const inDoubt = new Set(world.claimedBy(pid));
  let exit: number | string | null | undefined;
  const exited = world.stopGateway("SIGTERM").then((code) => {
    exit = code;
  });
  const deadline = killAfterMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + killAfterMs;
  while (exit === undefined && performance.now() < deadline) {
    for (const guid of world.claimedBy(pid)) inDoubt.add(guid);
    await Promise.race([exited, sleep(250)]);
  }
  const killed = exit === undefined;
  if (killed) {
    await world.stopGateway("SIGKILL");
    await exited;
    // What the killed gateway still held is in doubt too, as after restart-gateway-sigkill.
    for (const guid of world.claimedBy(pid)) inDoubt.add(guid);
  }
  return { pid, exit: exit ?? null, killed, inDoubt: [...inDoubt] };
}

async function killImsg(world: SoakWorld): Promise<void> {
  const pid = await world.imsgPid();
  if (pid !== undefined) killQuietly(pid);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone: the supervisor restarted it meanwhile
  }
}
