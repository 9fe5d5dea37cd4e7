import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createChatDb, type InjectOptions, inject, SimProcess, type WireMessage } from "@imessage-channel/imsg-sim";
import type { CatchupChat, CatchupSource } from "../catchup-source.ts";

/** A fixed "now" for the tests: rows are dated relative to it and the pass is given it as its clock. */
export const testNowMs = Date.parse("2026-05-01T12:00:00.000Z");
export const minuteMs = 60_000;

/** `chats.list` and `messages.history` over a running imsg-sim, as the rpc-client will provide them. */
export function simSource(sim: SimProcess): CatchupSource<WireMessage> {
  return {
    async listChats(limit) {
      const result = await sim.call("chats.list", { limit });
      return result.chats as CatchupChat[];
    },
    async history(query) {
      const result = await sim.call("messages.history", {
        chat_id: query.chatId,
        limit: query.limit,
        ...(query.start ? { start: query.start } : {}),
        ...(query.end ? { end: query.end } : {}),
      });
      return result.messages as WireMessage[];
    },
  };
}

export interface SimWorld {
  directory: string;
  dbPath: string;
  stateDir: string;
  /** Writes an inbound row dated `minutesAgo` before `testNowMs`; returns its guid. */
  receive(from: string, text: string, minutesAgo: number, extra?: Partial<InjectOptions>): string;
  /** Starts an `imsg-sim rpc` over the world's chat.db (stopped by `close`). */
  startSim(): SimProcess;
  close(): Promise<void>;
}

/** A temp dir with an empty real-schema chat.db and a state dir. */
export function simWorld(): SimWorld {
  const directory = mkdtempSync(join(tmpdir(), "catchup-"));
  const dbPath = join(directory, "chat.db");
  createChatDb(dbPath);
  const sims: SimProcess[] = [];
  return {
    directory,
    dbPath,
    stateDir: join(directory, "state"),
    receive(from, text, minutesAgo, extra = {}) {
      return inject(dbPath, {
        from,
        text,
        date: new Date(testNowMs - minutesAgo * minuteMs),
        home: join(directory, "home"),
        ...extra,
      }).guid;
    },
    startSim() {
      const sim = new SimProcess({ args: ["rpc", "--db", dbPath, "--platform", "linux"] });
      sims.push(sim);
      return sim;
    },
    async close() {
      for (const sim of sims) sim.kill();
      await Promise.all(sims.map((sim) => sim.exited));
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
