import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { bareJsonLines } from "./bare-lines.ts";
import { BenchPeerError } from "./bench-peer-error.ts";

/**
 * The floor under both clients' round trips: the same child, a request written as one line, the answer found by
 * splitting stdout at `\n` and `JSON.parse`, a Map from id to the waiting promise — no validation, no timeout, no
 * library. What a round trip costs here beyond this is the client's; what this costs is the pipe's, the fake's and
 * the two event loops' wake-ups.
 */
export interface BareClient {
  request(method: string, params: unknown): Promise<unknown>;
  close(): Promise<void>;
}

export function startBareClient(cliPath: string): BareClient {
  const child: ChildProcessWithoutNullStreams = spawn(cliPath, ["rpc"], { stdio: ["pipe", "pipe", "pipe"] });
  const waiting = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  child.stdout.on(
    "data",
    bareJsonLines((value) => {
      const answer = value as { id?: number; result?: unknown };
      if (typeof answer.id !== "number") return true;
      waiting.get(answer.id)?.(answer.result);
      waiting.delete(answer.id);
      return true;
    }),
  );
  child.stderr.resume();
  child.on("error", (error) => {
    throw new BenchPeerError("MEASUREMENT_FAILED", `bare client: ${error.message}`);
  });
  return {
    request(method, params) {
      const id = nextId;
      nextId += 1;
      const { promise, resolve } = Promise.withResolvers<unknown>();
      waiting.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
      return promise;
    },
    close() {
      const { promise, resolve } = Promise.withResolvers<void>();
      child.once("close", () => resolve());
      child.stdin.end();
      return promise;
    },
  };
}
