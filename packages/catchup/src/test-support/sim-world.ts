import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChatDb, type InjectOptions, inject } from "@imessage-channel/imsg-sim";
import { ImsgClient } from "@imessage-channel/rpc-client";
import { simTransport } from "./sim-transport.ts";

/** A fixed "now" for the tests: rows are dated relative to it and the pass is given it as its clock. */
export const testNowMs = Date.parse("2026-05-01T12:00:00.000Z");
export const minuteMs = 60_000;

export interface SimWorld {
  directory: string;
  dbPath: string;
  stateDir: string;
  /** The sim's `--request-log`: every RPC request the world's clients sent. */
  requestLogPath: string;
  /** Writes an inbound row dated `minutesAgo` before `testNowMs`; returns its guid. */
  receive(from: string, text: string, minutesAgo: number, extra?: Partial<InjectOptions>): string;
  /** The real rpc-client over an `imsg-sim rpc` on the world's chat.db (closed by `close`). */
  connect(): Promise<ImsgClient>;
  close(): Promise<void>;
}

/** A temp dir with an empty real-schema chat.db and a state dir; `imsgVersion` is the release the sim plays. */
export function simWorld(imsgVersion?: string): SimWorld {
  const directory = mkdtempSync(join(tmpdir(), "catchup-"));
  const dbPath = join(directory, "chat.db");
  createChatDb(dbPath);
  const clients: ImsgClient[] = [];
  const requestLogPath = join(directory, "requests.jsonl");
  const simArgs = [...(imsgVersion ? ["--imsg-version", imsgVersion] : []), "--request-log", requestLogPath];
  return {
    directory,
    dbPath,
    stateDir: join(directory, "state"),
    requestLogPath,
    receive(from, text, minutesAgo, extra = {}) {
      return inject(dbPath, {
        from,
        text,
        date: new Date(testNowMs - minutesAgo * minuteMs),
        home: join(directory, "home"),
        ...extra,
      }).guid;
    },
    async connect() {
      const client = new ImsgClient({ transport: simTransport(dbPath, simArgs) });
      clients.push(client);
      await client.start();
      // Answered once the sim has opened the db, so rows injected next never race its start.
      await client.chatsList({ limit: 1 });
      return client;
    },
    async close() {
      await Promise.all(clients.map((client) => client.close()));
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** The database identity the kill test's child and parent share. */
export const childIdentity = { transport: "local", cliPath: "imsg-sim" };

/** Resolves once `condition` holds, polling; rejects after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
