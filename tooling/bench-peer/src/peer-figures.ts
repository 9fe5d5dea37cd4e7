import { median } from "@imessage-channel/bench-kit";
import { type PairedRatio, pairedRatio } from "./paired-statistics.ts";

/** p50 and p99 of one repetition's reply latencies, milliseconds. */
export interface Latency {
  p50: number;
  p99: number;
}

/** Everything one repetition measured, each ours then the reference's (or the bare loop), back to back. */
export interface RepetitionResult {
  /** Notifications per second. */
  inbound: { ours: number; reference: number; bare: number };
  /** Microseconds per request, one in flight; `bare`: the floor (bare-client.ts) on the same fake. */
  roundTrip: { ours: number; reference: number; bare: number };
  /** Requests per second with `sizes.inFlight` in flight. */
  inFlight: { ours: number; reference: number };
  /** Reply delivery on a warm connection, both sides; ours with plain `send` (imsg before 0.14). */
  warmReply: { ours: Latency; reference: Latency };
  /** The same, ours with `send.tracked` (imsg 0.14+); the reference's warm path measured again beside it. */
  warmTrackedReply: { ours: Latency; reference: Latency };
  /** Reply delivery as each runs: ours the same warm Outbox, the reference a new `imsg rpc` child per send. */
  realReply: { ours: Latency; reference: Latency };
  /** RSS after `sizes.notifications` notifications, each client in a fresh process, MB. */
  rss: { ours: number; reference: number };
}

export interface Sizes {
  notifications: number;
  roundTrips: number;
  inFlight: number;
  warmReplies: number;
  realReplies: number;
  repetitions: number;
}

/** A goal of issue 22, and whether this run met it. */
export interface PeerGoal {
  label: string;
  met: boolean;
}

/** One line of the side-by-side table. */
export interface PeerRow {
  id: string;
  figure: string;
  unit: string;
  /** Median over the repetitions. */
  ours: number;
  other: number;
  otherIs: "reference" | "bare loop" | "bare client";
  /** How the ratio is oriented: `ours / reference`, or `reference / ours` for "times faster". */
  ratioLabel: string;
  ratio: PairedRatio;
  goals: PeerGoal[];
}

const oursOverOther = (ours: number, other: number) => ours / other;
const otherOverOurs = (ours: number, other: number) => other / ours;

function atLeast(value: number, bound: number, label: string): PeerGoal {
  return { label, met: value >= bound };
}

function atMost(value: number, bound: number, label: string): PeerGoal {
  return { label, met: value <= bound };
}

/** The table's rows from every repetition, with the goals of issue 22 judged on the paired medians. */
export function peerRows(repetitions: readonly RepetitionResult[], sizes: Sizes): PeerRow[] {
  const side = <T>(pick: (repetition: RepetitionResult) => T) => repetitions.map(pick);
  const row = (
    base: Omit<PeerRow, "ours" | "other" | "ratio" | "goals">,
    ours: number[],
    other: number[],
    ratioOf: (ours: number, other: number) => number,
    goals: (row: { ours: number; ratio: PairedRatio }) => PeerGoal[] = () => [],
  ): PeerRow => {
    const ratio = pairedRatio(ours, other, ratioOf);
    const oursMedian = median(ours);
    return { ...base, ours: oursMedian, other: median(other), ratio, goals: goals({ ours: oursMedian, ratio }) };
  };
  const thousands = `${sizes.notifications / 1000}k`;
  const reference = "reference" as const;
  return [
    row(
      {
        id: "inbound",
        figure: `inbound: ${thousands} \`message\` notifications through the client to a handler`,
        unit: "notifications/s",
        otherIs: reference,
        ratioLabel: "ours / reference",
      },
      side((r) => r.inbound.ours),
      side((r) => r.inbound.reference),
      oursOverOther,
      ({ ratio }) => [atLeast(ratio.median, 1.2, "≥ 1.2× reference")],
    ),
    row(
      {
        id: "inbound-vs-bare",
        figure: "inbound: ours against a bare read, split, JSON.parse loop over the same stream",
        unit: "notifications/s",
        otherIs: "bare loop",
        ratioLabel: "ours / bare loop",
      },
      side((r) => r.inbound.ours),
      side((r) => r.inbound.bare),
      oursOverOther,
      ({ ratio }) => [atLeast(ratio.median, 0.8, "≥ 0.8× bare loop")],
    ),
    row(
      {
        id: "round-trip",
        figure: `round trip: ${sizes.roundTrips.toLocaleString("en-US")} sequential \`chats.list\` reads through the typed API`,
        unit: "µs/request",
        otherIs: reference,
        ratioLabel: "ours / reference (time)",
      },
      side((r) => r.roundTrip.ours),
      side((r) => r.roundTrip.reference),
      oursOverOther,
      ({ ratio }) => [atMost(ratio.median, 0.8, "≤ 0.8× reference's time")],
    ),
    row(
      {
        id: "round-trip-vs-bare",
        figure: "round trip: ours against a bare client on the same fake (a line out, split, JSON.parse, no checks)",
        unit: "µs/request",
        otherIs: "bare client",
        ratioLabel: "ours / bare client (time)",
      },
      side((r) => r.roundTrip.ours),
      side((r) => r.roundTrip.bare),
      oursOverOther,
    ),
    row(
      {
        id: "round-trip-in-flight",
        figure: `round trip: the same reads, ${sizes.inFlight} in flight`,
        unit: "requests/s",
        otherIs: reference,
        ratioLabel: "ours / reference",
      },
      side((r) => r.inFlight.ours),
      side((r) => r.inFlight.reference),
      oursOverOther,
    ),
    ...(
      [
        ["reply-warm", "plain `send`, as against imsg before 0.14", (r: RepetitionResult) => r.warmReply],
        ["reply-warm-tracked", "`send.tracked`, as against imsg 0.14+", (r: RepetitionResult) => r.warmTrackedReply],
      ] as const
    ).flatMap(([id, how, pick]) =>
      (["p50", "p99"] as const).map((percentile) =>
        row(
          {
            id: `${id}-${percentile}`,
            figure: `reply delivery, 1 chunk, warm connection, ours with ${how}: ${percentile}`,
            unit: "ms",
            otherIs: reference,
            ratioLabel: "reference / ours (× faster)",
          },
          side((r) => pick(r).ours[percentile]),
          side((r) => pick(r).reference[percentile]),
          otherOverOurs,
          ({ ours, ratio }) =>
            percentile === "p50"
              ? [atMost(ours, 0.5, "ours ≤ 0.5 ms"), atLeast(ratio.median, 30, "≥ 30× faster")]
              : [atMost(ours, 5, "ours ≤ 5 ms")],
        ),
      ),
    ),
    row(
      {
        id: "reply-real-p50",
        figure: "reply delivery as each runs (reference: `imsg rpc` spawned per send; ours: the warm Outbox): p50",
        unit: "ms",
        otherIs: reference,
        ratioLabel: "reference / ours (× faster)",
      },
      side((r) => r.realReply.ours.p50),
      side((r) => r.realReply.reference.p50),
      otherOverOurs,
      ({ ratio }) => [atLeast(ratio.median, 200, "≥ 200× faster")],
    ),
    row(
      {
        id: "reply-real-p99",
        figure: "reply delivery as each runs: p99",
        unit: "ms",
        otherIs: reference,
        ratioLabel: "reference / ours (× faster)",
      },
      side((r) => r.realReply.ours.p99),
      side((r) => r.realReply.reference.p99),
      otherOverOurs,
    ),
    row(
      {
        id: "rss",
        figure: `RSS after ${thousands} notifications, each client in a fresh Node process`,
        unit: "MB",
        otherIs: reference,
        ratioLabel: "ours / reference",
      },
      side((r) => r.rss.ours),
      side((r) => r.rss.reference),
      oursOverOther,
    ),
  ];
}
