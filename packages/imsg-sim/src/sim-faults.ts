import type { MutationFaultRule } from "./mutation-faults.ts";
import type { ReadOrder } from "./read-order.ts";

/** Fault switches that make the sim misbehave on purpose, for client tests (flags or `IMSG_SIM_FAULT_*`). */
export interface SimFaults {
  /** Exit abruptly (code 137, no goodbye) right after this many notifications were written. */
  exitAfterNotifications?: number;
  /** Exit abruptly (code 137) right after this many responses were written. */
  exitAfterResponses?: number;
  /** Stop answering after this many responses (a request stuck like a hung AppleScript); notifications go on. */
  hangAfterResponses?: number;
  /** Write a line that is not JSON after this many responses (0: before the first response). */
  malformedLineAfterResponses?: number;
  /** Write one oversized (but valid) JSON line after this many responses. */
  oversizedLineAfterResponses?: number;
  /** Size in bytes of the oversized line. */
  oversizedLineBytes: number;
  /** Write one line of arrays nested `deepLineDepth` deep (valid JSON) after this many responses. */
  deepLineAfterResponses?: number;
  /** Wait this long before every response (requests stay serial, so later ones queue behind it). */
  responseDelayMs: number;
  /**
   * Start in the startup-failure mode (docs/imsg-protocol.md#startup-failure) with the Full Disk Access error, whatever
   * the db.
   */
  fullDiskAccess: boolean;
  /** Stop writing notifications after this many, while subscriptions keep reading rows (a "silent stream"). */
  silentAfterNotifications?: number;
  /** 0.14+ read lane: hold every read this long before it runs, so reads overlap (`--fault-read-delay-ms`). */
  readDelayMs?: number;
  /** The order in which reads held together are answered (`--fault-read-order reverse|random:<seed>`). */
  readOrder?: ReadOrder;
  /** Wait this long before every mutation runs, so later requests queue behind it (`--fault-mutation-delay-ms`). */
  mutationDelayMs?: number;
  /** Mutations that fail with a typed delivery outcome (`--fault-mutation <disposition>[:<method>][@<nth>]`). */
  mutationFaults?: readonly MutationFaultRule[];
  /** Answer identified requests -32000 `Server busy` once this many were admitted (`--fault-busy-after`). */
  busyAfter?: number;
  /** How many requests in a row the busy fault refuses (`--fault-busy-count`, default 1). */
  busyCount?: number;
}

export const noFaults: SimFaults = { oversizedLineBytes: 2 * 1024 * 1024, responseDelayMs: 0, fullDiskAccess: false };

/** Exit code of the abrupt-exit fault: what a SIGKILLed child reports through a shell. */
export const abruptExitCode = 137;

/** Line written by the malformed-line fault; it starts like the pre-0.8.2 banner so clients treat it as fatal text. */
export const malformedLine = "imsg-sim: this line is deliberately not JSON {";

/**
 * Nesting of the deep-line fault: a recursive parser runs out of stack on it long before the line ends, so a client
 * must refuse it before parsing (a million levels is 2 MB, well under any line-length limit).
 */
export const deepLineDepth = 1_000_000;

/** The deep-line fault's line: `[[[…]]]`, `depth` arrays inside each other. */
export function deepLine(depth = deepLineDepth): string {
  return "[".repeat(depth) + "]".repeat(depth);
}
