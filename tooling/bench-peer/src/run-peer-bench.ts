import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { describeMachine, withPeerSection, wrapPeerSection } from "@imessage-channel/bench-kit";
import { directory } from "./directory.ts";
import { writeFakeImsg } from "./fake-imsg-launcher.ts";
import { peerRows, type RepetitionResult, type Sizes } from "./peer-figures.ts";
import { renderPeerConsoleTable, renderPeerSection } from "./peer-report.ts";
import { loadReference } from "./reference.ts";
import { referenceVersion } from "./reference-pin.ts";
import { type RepetitionContext, runRepetition } from "./repetition.ts";

export const fullSizes: Sizes = {
  notifications: 100_000,
  roundTrips: 5_000,
  inFlight: 16,
  warmReplies: 500,
  realReplies: 100,
  repetitions: 5,
};

export const quickSizes: Sizes = {
  notifications: 10_000,
  roundTrips: 500,
  inFlight: 16,
  warmReplies: 50,
  realReplies: 10,
  repetitions: 2,
};

/**
 * The unmeasured round that warms both sides (JIT, the reference's lazily loaded modules and its state worker): the
 * measured stream size, so the inbound paths are compiled for it, and fewer reads and replies.
 */
function warmUpSizes(sizes: Sizes): Sizes {
  return { ...sizes, roundTrips: Math.min(sizes.roundTrips, 1_000), warmReplies: 20, realReplies: 3, repetitions: 1 };
}

export interface RunOptions {
  mode: "full" | "quick";
  /** The repository root: fixtures are read from it, docs/performance.md written in it. */
  root: string;
  /** The reference's install (ensureReference). */
  installDirectory: string;
  log: (line: string) => void;
}

/** Runs every figure, interleaved and repeated, prints the table and writes the section of docs/performance.md. */
export async function runPeerBench(options: RunOptions): Promise<void> {
  const sizes = options.mode === "full" ? fullSizes : quickSizes;
  const startedAt = new Date();
  const loadAtStart = loadavg()[0]!;
  const workDirectory = mkdtempSync(join(tmpdir(), "bench-peer-"));
  try {
    const fixtures = join(options.root, "packages", "rpc-client", "src", "__fixtures__");
    const fakeConfig = {
      notifications: sizes.notifications,
      notificationTemplatesPath: join(fixtures, "watch-replay.notifications.jsonl"),
      chatsListResponsePath: join(fixtures, "chats-list.response.jsonl"),
    };
    const context: RepetitionContext = {
      reference: await loadReference(options.installDirectory, directory(workDirectory, "reference-state")),
      installDirectory: options.installDirectory,
      workDirectory,
      cliPath: writeFakeImsg(directory(workDirectory, "fake"), fakeConfig),
    };

    options.log("warming both sides up (one unmeasured round)");
    await runRepetition(context, warmUpSizes(sizes), "warm-up");
    const repetitions: RepetitionResult[] = [];
    for (let index = 1; index <= sizes.repetitions; index += 1) {
      const result = await runRepetition(context, sizes, `repetition-${index}`);
      repetitions.push(result);
      options.log(`repetition ${index}/${sizes.repetitions}: ${summary(result)}`);
    }

    const rows = peerRows(repetitions, sizes);
    console.log(renderPeerConsoleTable(rows));
    const section = renderPeerSection({
      rows,
      sizes,
      mode: options.mode,
      machine: describeMachine(),
      startedAt,
      durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
      loadAverage: { atStart: loadAtStart, atEnd: loadavg()[0]! },
      referenceVersion,
      notificationBytes: meanNotificationBytes(fakeConfig.notificationTemplatesPath),
    });
    const reportPath = join(options.root, "docs", "performance.md");
    writeFileSync(reportPath, withPeerSection(readFileSync(reportPath, "utf8"), wrapPeerSection(section)));
    options.log(`wrote the "Side by side with the reference" section of docs/performance.md (${options.mode} mode)`);
  } finally {
    rmSync(workDirectory, { recursive: true, force: true });
  }
}

function summary(result: RepetitionResult): string {
  const rate = (value: number) => `${Math.round(value / 1000)}k/s`;
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  return [
    `inbound ${rate(result.inbound.ours)} vs ${rate(result.inbound.reference)} (bare ${rate(result.inbound.bare)})`,
    `round trip ${result.roundTrip.ours.toFixed(0)} vs ${result.roundTrip.reference.toFixed(0)} µs`,
    `warm reply p50 ${ms(result.warmReply.ours.p50)} (tracked ${ms(result.warmTrackedReply.ours.p50)}) vs ${ms(result.warmReply.reference.p50)}`,
    `real p50 ${ms(result.realReply.ours.p50)} vs ${ms(result.realReply.reference.p50)}`,
    `RSS ${result.rss.ours.toFixed(0)} vs ${result.rss.reference.toFixed(0)} MB`,
  ].join("; ");
}

/** Mean bytes of a streamed notification line: the templates' lines, ids as the fake numbers them, 1 to 100k. */
function meanNotificationBytes(templatesPath: string): number {
  const templates = readFileSync(templatesPath, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { params: { message: { id: number } } });
  let bytes = 0;
  const count = 100_000;
  for (let index = 0; index < count; index += 1) {
    const template = templates[index % templates.length]!;
    template.params.message.id = index + 1;
    bytes += Buffer.byteLength(JSON.stringify(template)) + 1;
  }
  return bytes / count;
}
