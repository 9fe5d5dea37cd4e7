// Throughput of the reply path's pure steps: markdown → plain text, then chunking at the default 4000 limit.
// Run: pnpm --filter @imessage-channel/outbound bench
import { recordFigure } from "@imessage-channel/bench-kit";
import { chunkText, markdownToPlainText } from "../src/index.ts";

const paragraph =
  "Here is **what I found** about [the article](https://example.com/article_(2026)): it uses `fetch`, " +
  "_streams_ and ~~callbacks~~ promises. Emoji too 👨‍👩‍👧 🇫🇷 café.\n";
const answer = [
  "## Summary",
  "",
  ...Array.from({ length: 8 }, (_, index) => `${index + 1}. ${paragraph}`),
  "| Key | Value |",
  "|---|---|",
  "| a | 1 |",
  "",
  "```ts",
  "const x = **not bold**;",
  "```",
].join("\n");

function rate(name: string, unit: string, iterations: number, work: () => number): number {
  for (let index = 0; index < 20; index++) work();
  const started = process.hrtime.bigint();
  let amount = 0;
  for (let index = 0; index < iterations; index++) amount += work();
  const perSecond = amount / (Number(process.hrtime.bigint() - started) / 1e9);
  console.log(`${name}: ${Math.round(perSecond).toLocaleString("en-US")} ${unit}/s`);
  return perSecond;
}

const markdownRate = rate(`markdownToPlainText, ${answer.length}-char answer`, "answers", 2_000, () => {
  markdownToPlainText(answer);
  return 1;
});
const long = markdownToPlainText(answer).repeat(100);
const lengthRate = rate(`chunkText length mode, ${long.length} chars`, "chars", 20, () => {
  chunkText(long);
  return long.length;
});
const newlineRate = rate(`chunkText newline mode, ${long.length} chars`, "chars", 20, () => {
  chunkText(long, { mode: "newline" });
  return long.length;
});
console.log(`newline/length ratio: ${(newlineRate / lengthRate).toFixed(2)}`);
const answersRate = 1 / (1 / markdownRate + answer.length / lengthRate);
console.log(`answers per second through markdown + chunking: ${Math.round(answersRate).toLocaleString("en-US")}`);
recordFigure({
  id: "markdown-to-plain-text",
  figure: `markdownToPlainText, ${answer.length}-char answer with a list, a table and code`,
  value: markdownRate,
  unit: "answers/s",
});
recordFigure({
  id: "chunk-length",
  figure: "chunkText, length mode (4000-char limit)",
  value: lengthRate,
  unit: "chars/s",
});
recordFigure({ id: "chunk-newline", figure: "chunkText, newline mode", value: newlineRate, unit: "chars/s" });
recordFigure({
  id: "reply-render",
  figure: "answers through markdown + chunking",
  value: answersRate,
  unit: "answers/s",
});
