// Echoes each stdin line back on stdout as `echo:<line>`, reports on stderr, exits 0 on stdin EOF.
import { createInterface } from "node:readline";

process.stderr.write("echo-child ready\n");
const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
lines.on("line", (line) => {
  if (line === "exit 3") process.exit(3);
  process.stdout.write(`echo:${line}\n`);
});
lines.on("close", () => {
  process.stderr.write("echo-child stdin closed\n");
  process.exitCode = 0;
});
