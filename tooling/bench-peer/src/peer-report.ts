import { formatValue, type Machine, machineLabel } from "@imessage-channel/bench-kit";
import type { PeerRow, Sizes } from "./peer-figures.ts";

export interface PeerReportInput {
  rows: readonly PeerRow[];
  sizes: Sizes;
  /** `full` is `pnpm bench:peer`; `quick` is `pnpm bench:peer --quick`. */
  mode: "full" | "quick";
  machine: Machine;
  startedAt: Date;
  durationSeconds: number;
  loadAverage: { atStart: number; atEnd: number };
  referenceVersion: string;
  /** Mean size of one notification line the fake streams, bytes. */
  notificationBytes: number;
}

const modeSentences = {
  full: "full mode (`pnpm bench:peer`)",
  quick:
    "**quick mode** (`pnpm bench:peer --quick`: smaller runs, a smoke check; quote the full run's figures, not these)",
};

/** `0.705× (0.69–0.72)`: the median of the paired ratios and their range across the repetitions. */
export function ratioText(row: PeerRow): string {
  const { median, min, max, perRepetition } = row.ratio;
  const value = formatValue(median, "×");
  if (perRepetition.length === 1) return value;
  return `${value} (${formatValue(min, "×").replace("×", "")}–${formatValue(max, "×")})`;
}

/** `≥ 1.2× reference ✓`, several joined with `;`, or `— (reported)` when the issue sets no goal. */
export function goalText(row: PeerRow): string {
  if (row.goals.length === 0) return "— (reported)";
  return row.goals.map((goal) => `${goal.label} ${goal.met ? "✓" : "✗ missed"}`).join("; ");
}

function otherText(row: PeerRow): string {
  const value = formatValue(row.other, row.unit);
  return row.otherIs === "reference" ? value : `${row.otherIs}: ${value}`;
}

/** The "Side by side with the reference" section of docs/performance.md (markdown, without its markers). */
export function renderPeerSection(input: PeerReportInput): string {
  const goals = input.rows.flatMap((row) => row.goals);
  const roundTrip = input.rows.find((row) => row.id === "round-trip");
  const bareRoundTrip = input.rows.find((row) => row.id === "round-trip-vs-bare");
  const floor =
    roundTrip && bareRoundTrip
      ? ` The bare client's round trip took ${formatValue(bareRoundTrip.other / roundTrip.other, "×")} the reference's ` +
        "(medians): the floor any client on this pipe and fake can reach."
      : "";
  const met = goals.filter((goal) => goal.met).length;
  const { sizes } = input;
  const lines = [
    "## Side by side with the reference",
    "",
    `Our channel next to the reference implementation, openclaw's iMessage channel (\`openclaw@${input.referenceVersion}\` + ` +
      `\`@openclaw/imessage@${input.referenceVersion}\`), both driving one fake \`imsg rpc\` ` +
      `([tooling/bench-peer](../tooling/bench-peer/README.md): recorded-shape \`message\` notifications of ` +
      `${Math.round(input.notificationBytes)} B on average, small \`chats.list\` answers, \`send\` answered at once). ` +
      `Each figure is measured ours, reference, ours, … for ${sizes.repetitions} repetitions in one run; a ratio is ` +
      `taken within each repetition and the median shown, with the range of the ${sizes.repetitions} in brackets; the ` +
      `values are medians over the repetitions.`,
    "",
    `Reproduce: \`pnpm bench:peer\` (installs the reference once into \`$XDG_CACHE_HOME/imessage-channel/bench-peer/${input.referenceVersion}\`, ` +
      "`~/.cache` when XDG_CACHE_HOME is unset, about 660 MB; never run in CI) rewrites this section and nothing else; " +
      "`pnpm bench:peer --quick` is a smoke run.",
    "",
    `This run: ${modeSentences[input.mode]}, started ${formatDate(input.startedAt)}, took ${formatDuration(input.durationSeconds)}; ` +
      `${met} of ${goals.length} goals of issue 22 met. Machine: ${machineLabel(input.machine)} (${input.machine.os}); ` +
      `load ${input.loadAverage.atStart.toFixed(2)} at the start, ${input.loadAverage.atEnd.toFixed(2)} at the end.` +
      (met < goals.length
        ? " Why each missed goal misses, with its profile: [performance-profiles.md](performance-profiles.md)."
        : ""),
    "",
    "| figure | ours | reference | paired ratio | goal |",
    "| --- | --- | --- | --- | --- |",
    ...input.rows.map(
      (row) =>
        `| ${cell(row.figure)} | ${cell(formatValue(row.ours, row.unit))} | ${cell(otherText(row))} | ` +
        `${cell(`${row.ratioLabel}: ${ratioText(row)}`)} | ${cell(goalText(row))} |`,
    ),
    "",
    "How each side is measured:",
    "",
    "- Ours through the packages' public entry points (`@imessage-channel/source` condition): `ImsgClient` over a " +
      "`LocalTransport`, and for replies the channel's `Outbox` on a real state.db in a temporary folder with its " +
      "write queue, its sends through outbound's `createMessageSender` (plain `send`, then `send.tracked`), as an " +
      "account runs it.",
    "- The reference through its own bundle: `createIMessageRpcClient` (found in the hashed chunk that declares it) " +
      "with `onNotification`, `client.request`, and `sendMessageIMessage` from `dist/runtime-api.js` with its plugin " +
      "state in SQLite (`createPluginStateKeyedStore`, `OPENCLAW_STATE_DIR` in a temporary folder) for its echo and " +
      "reply caches.",
    `- Inbound: ${sizes.notifications.toLocaleString("en-US")} notifications per client and repetition, timed from the ` +
      "first notification handed to the handler to the last; ours validates each with zod, the reference hands out " +
      "the parsed JSON. The bare loop reads the same child's stream with a StringDecoder, splits lines and " +
      "`JSON.parse`s them.",
    `- Round trip: ours \`chatsList({ limit: 5 })\` (validated), the reference \`request("chats.list", { limit: 5 })\`; ` +
      `${sizes.roundTrips.toLocaleString("en-US")} per repetition after 200 unmeasured; the bare client ` +
      `(\`bare-client.ts\`) writes the same request and resolves on the parsed answer's id.${floor}`,
    `- Reply delivery: ${sizes.warmReplies} replies per repetition on a warm connection and ${sizes.realReplies} as each ` +
      "really runs, one chunk each, after unmeasured warm-up replies; the reference's real path spawns the fake " +
      "`imsg rpc` (a Node script: a real imsg starts faster) for every send.",
    "- RSS: `process.memoryUsage.rss()` of a fresh Node process right after the last notification; each loads its " +
      "client only: ours rpc-client and transport, the reference the chunk declaring `createIMessageRpcClient` and " +
      "what it imports.",
  ];
  return lines.join("\n");
}

/** The same figures as aligned plain text, for the terminal. */
export function renderPeerConsoleTable(rows: readonly PeerRow[]): string {
  const table = [
    ["figure", "ours", "reference", "paired ratio", "goal"],
    ...rows.map((row) => [
      row.id,
      formatValue(row.ours, row.unit),
      otherText(row),
      `${row.ratioLabel}: ${ratioText(row)}`,
      goalText(row),
    ]),
  ];
  const widths = table[0]!.map((_, column) => Math.max(...table.map((line) => line[column]!.length)));
  return table
    .map((line) =>
      line
        .map((text, column) => text.padEnd(widths[column]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return minutes === 0 ? `${Math.round(seconds)} s` : `${minutes} min ${Math.round(seconds % 60)} s`;
}

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ");
}
