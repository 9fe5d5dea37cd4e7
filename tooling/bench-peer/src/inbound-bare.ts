import { spawn } from "node:child_process";
import { StringDecoder } from "node:string_decoder";
import { BenchPeerError } from "./bench-peer-error.ts";

/**
 * The floor under both clients: the same child and stream, read as bare as it gets — stdout chunks, a StringDecoder,
 * lines split at `\n`, `JSON.parse` of each — notifications per second from the first to the last.
 */
export function bareInboundRate(cliPath: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cliPath, ["rpc"], { stdio: ["pipe", "pipe", "inherit"] });
    const decoder = new StringDecoder("utf8");
    let buffered = "";
    let started = 0;
    let received = 0;
    let finished = false;
    const end = (outcome: () => void) => {
      if (finished) return;
      finished = true;
      child.stdout.removeAllListeners("data");
      child.stdin.end();
      child.once("close", outcome);
    };
    child.on("error", (error) => reject(new BenchPeerError("MEASUREMENT_FAILED", `bare loop: ${error.message}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      buffered += decoder.write(chunk);
      let start = 0;
      let newline = buffered.indexOf("\n");
      while (newline !== -1) {
        const parsed = JSON.parse(buffered.slice(start, newline)) as {
          method?: string;
          params?: { message?: { id?: number } };
        };
        start = newline + 1;
        if (parsed.method === "message") {
          if (received === 0) started = performance.now();
          received += 1;
          if (parsed.params?.message?.id === count) {
            const seconds = (performance.now() - started) / 1000;
            end(() => resolve((count - 1) / seconds));
            return;
          }
        }
        newline = buffered.indexOf("\n", start);
      }
      buffered = buffered.slice(start);
    });
    child.on("close", () => {
      if (!finished) {
        reject(new BenchPeerError("MEASUREMENT_FAILED", `bare loop: the child ended after ${received} of ${count}`));
      }
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "watch.subscribe", params: {} })}\n`);
  });
}
