// LineFramer throughput on imsg-like NDJSON, as a ratio to the usual StringDecoder + split loop (no line cap).
import { StringDecoder } from "node:string_decoder";
import { recordFigure } from "@imessage-channel/bench-kit";
import { LineFramer } from "../src/line-framer.ts";

const notification = JSON.stringify({
  jsonrpc: "2.0",
  method: "message",
  params: {
    subscription: 1,
    message: {
      id: 4242,
      guid: "6F1C2A9E-0000-4C3B-9D1E-2B7F00000000",
      chat_id: 7,
      sender: "+15551234567",
      is_from_me: false,
      text: "héllo 👋 — see you at 5?",
      created_at: "2026-05-01T12:00:00.000Z",
      attachments: [],
      reactions: [],
    },
  },
});
const lineCount = 200_000;
const bytes = Buffer.from(`${notification}\n`.repeat(lineCount));
const chunkSize = 64 * 1024;

function measure(id: string, label: string, run: () => number): number {
  run(); // warm up
  const started = process.hrtime.bigint();
  const lines = run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rate = lines / seconds;
  console.log(
    `${label.padEnd(28)} ${Math.round(rate).toLocaleString("en-US").padStart(12)} lines/s  (${(bytes.length / seconds / 1e6).toFixed(0)} MB/s)`,
  );
  recordFigure({ id, figure: `${label}, ${lineCount / 1000}k imsg-like lines`, value: rate, unit: "lines/s" });
  return rate;
}

const framed = measure("line-framer", "LineFramer (64 KiB chunks)", () => {
  let count = 0;
  const framer = new LineFramer({ onLine: () => (count += 1), onWarning: () => {} });
  for (let offset = 0; offset < bytes.length; offset += chunkSize)
    framer.push(bytes.subarray(offset, offset + chunkSize));
  framer.end();
  return count;
});
const baseline = measure("string-decoder-split", "StringDecoder + split", () => {
  let count = 0;
  let carry = "";
  const decoder = new StringDecoder("utf8");
  for (let offset = 0; offset < bytes.length; offset += chunkSize) {
    const parts = (carry + decoder.write(bytes.subarray(offset, offset + chunkSize))).split("\n");
    carry = parts.pop() ?? "";
    count += parts.length;
  }
  return count;
});
console.log(`ratio LineFramer / baseline: ${(framed / baseline).toFixed(2)}`);
recordFigure({
  id: "line-framer-vs-split",
  figure: "LineFramer / StringDecoder + split, same bytes, same run",
  value: framed / baseline,
  unit: "×",
});
