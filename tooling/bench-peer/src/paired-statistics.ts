import { median, percentile } from "@imessage-channel/bench-kit";
import { BenchPeerError } from "./bench-peer-error.ts";

/** A ratio taken within each repetition (both sides measured back to back), then summarised across repetitions. */
export interface PairedRatio {
  perRepetition: number[];
  median: number;
  min: number;
  max: number;
}

/**
 * Pairs `ours[i]` with `other[i]` (the same repetition), takes `ratio` of each pair, and returns their median and
 * range. Pairing cancels what drifts between repetitions (load, thermal state) instead of mixing it into the ratio.
 */
export function pairedRatio(
  ours: readonly number[],
  other: readonly number[],
  ratio: (ours: number, other: number) => number,
): PairedRatio {
  if (ours.length === 0 || ours.length !== other.length) {
    throw new BenchPeerError(
      "MEASUREMENT_FAILED",
      `paired ratio needs as many measurements on each side, at least one (got ${ours.length} and ${other.length})`,
    );
  }
  const perRepetition = ours.map((value, index) => ratio(value, other[index]!));
  if (perRepetition.some((value) => !Number.isFinite(value))) {
    throw new BenchPeerError("MEASUREMENT_FAILED", `a paired ratio is not finite: ${perRepetition.join(", ")}`);
  }
  return {
    perRepetition,
    median: median(perRepetition),
    min: Math.min(...perRepetition),
    max: Math.max(...perRepetition),
  };
}

/** p50 and p99 of one repetition's latencies (milliseconds), nearest rank below as in the rest of the benches. */
export function latencySummary(samples: readonly number[]): { p50: number; p99: number } {
  if (samples.length === 0) throw new BenchPeerError("MEASUREMENT_FAILED", "no latency samples");
  const sorted = [...samples].sort((left, right) => left - right);
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
}
