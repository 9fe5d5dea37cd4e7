// With a file in argv[2]: answers the first request (watch.subscribe) with subscription 1, then streams the file
// to stdout as fast as the pipe takes it. Without one: echoes every request's params back as its result.
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

const input = createInterface({ input: process.stdin });
let first = true;
input.on("line", (text) => {
  const request = JSON.parse(text);
  if (first && process.argv[2] !== undefined) {
    first = false;
    process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id: request.id, result: { subscription: 1 } })}\n`);
    // One write of the whole file: the pipe then runs as fast as the client reads it.
    process.stdout.write(readFileSync(process.argv[2]));
    return;
  }
  process.stdout.write(`${JSON.stringify({ jsonrpc: "2.0", id: request.id, result: request.params })}\n`);
});
input.on("close", () => process.exit(0));
