// Reads nothing from stdin until told by a signal file, so the parent hits backpressure; then counts lines.
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";

const goFile = process.argv[2];
process.stdin.pause();
const timer = setInterval(() => {
  if (!existsSync(goFile)) return;
  clearInterval(timer);
  let count = 0;
  const lines = createInterface({ input: process.stdin });
  lines.on("line", () => {
    count += 1;
  });
  lines.on("close", () => process.stdout.write(`count:${count}\n`));
}, 20);
