import { spawn } from "node:child_process";
import { bareJsonLines } from "./bare-lines.ts";
import { BenchPeerError } from "./bench-peer-error.ts";

/**
 * The floor under both clients: the same child and stream, read as bare as it gets — stdout chunks, a StringDecoder,
 * lines split at `\n`, `JSON.parse` of each — notifications per second from the first to the last.
 */
export function bareInboundRate(cliPath: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cliPath, ["rpc"], { stdio: ["pipe", "pipe", "inherit"] });
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
    child.stdout.on(
      "data",
      bareJsonLines((value) => {
        const parsed = value as { method?: string; params?: { message?: { id?: number } } };
        if (parsed.method !== "message") return true;
        if (received === 0) started = performance.now();
        received += 1;
        if (parsed.params?.message?.id !== count) return true;
        const seconds = (performance.now() - started) / 1000;
        end(() => resolve((count - 1) / seconds));
        return false;
      }),
    );
    child.on("close", () => {
      if (!finished) {
        reject(new BenchPeerError("MEASUREMENT_FAILED", `bare loop: the child ended after ${received} of ${count}`));
      }
    });
    child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "watch.subscribe", params: {} })}\n`);
  });
}
