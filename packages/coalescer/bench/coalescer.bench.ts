// Throughput of push + merge: 10 000 DM rows over 100 senders, buckets emitted by flush (no real timers).
// Run: pnpm --filter @imessage-channel/coalescer bench
import { recordFigure } from "@imessage-channel/bench-kit";
import { type Clock, createCoalescer, imsgMessageAccessors } from "../src/index.ts";

let now = 0;
const clock: Clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
let turns = 0;
const coalescer = createCoalescer({
  ...imsgMessageAccessors("default"),
  windowMs: 2500,
  clock,
  onTurn: () => {
    turns++;
  },
});

function run(rows: number, senders: number): number {
  const started = process.hrtime.bigint();
  for (let index = 0; index < rows; index++) {
    now += 1;
    coalescer.push({
      guid: `G${index}`,
      chatId: index % senders,
      sender: `+1555555${String(index % senders).padStart(4, "0")}`,
      text: `message ${index} with a little text`,
      isGroup: false,
      attachments: [],
    });
  }
  coalescer.flush();
  return rows / (Number(process.hrtime.bigint() - started) / 1e9);
}

run(2_000, 100);
turns = 0;
const spread = run(10_000, 100);
console.log(`100 senders: ${Math.round(spread).toLocaleString("en-US")} rows/s, ${turns} turns`);
turns = 0;
const flood = run(10_000, 1);
console.log(`1 sender flood: ${Math.round(flood).toLocaleString("en-US")} rows/s, ${turns} turns`);
console.log(`flood/spread ratio: ${(flood / spread).toFixed(2)}`);
recordFigure({
  id: "push-merge-spread",
  figure: "push + merge, 10k DM rows over 100 senders",
  value: spread,
  unit: "rows/s",
});
recordFigure({
  id: "push-merge-flood",
  figure: "push + merge, 10k-row flood from 1 sender",
  value: flood,
  unit: "rows/s",
});
