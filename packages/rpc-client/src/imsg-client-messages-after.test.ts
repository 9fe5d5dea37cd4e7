// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { inject, readRequestLog } from "@imessage-channel/imsg-sim";
import { errorMessage } from "@imessage-channel/kit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ImsgRpcError, RpcClientError } from "./errors.ts";
import { ImsgClient } from "./imsg-client.ts";
import { SimHarness } from "./test-support/sim-harness.ts";

const friend = "+15555550177";

let sim: SimHarness;
let requestLog: string;
const clients: ImsgClient[] = [];

beforeEach(() => {
  sim = new SimHarness();
  requestLog = join(sim.directory, "requests.jsonl");
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await sim.dispose();
});

async function clientOf(version: string): Promise<ImsgClient> {
  const client = new ImsgClient({
    transport: sim.transport(["--imsg-version", version, "--request-log", requestLog]),
  });
  clients.push(client);
  await client.start();
  return client;
}

function newestRowid(): number {
  const database = new DatabaseSync(sim.dbPath, { readOnly: true });
  try {
    return (database.prepare("SELECT MAX(ROWID) AS rowid FROM message").get() as { rowid: number }).rowid;
  } finally {
    database.close();
  }
}

/** The params of every `messages.after` request the sim read, in order. */
function messagesAfterRequests(): unknown[] {
  return readRequestLog(requestLog).flatMap((record) =>
    record.kind === "rpc" && record.method === "messages.after" ? [record.params] : [],
  );
}

describe("ImsgClient.messagesAfter against imsg-sim 0.15.10", () => {
  it("pages ROWID ascending from an exclusive cursor by nextRowid until hasMore is false, each row once", async () => {
    const since = newestRowid();
    const written = Array.from({ length: 5 }, (_, index) => inject(sim.dbPath, { from: friend, text: `row ${index}` }));
    const client = await clientOf("0.15.10");
    const pages = [];
    let cursor = since;
    for (;;) {
      const page = await client.messagesAfter({ sinceRowid: cursor, limit: 2 });
      pages.push(page);
      cursor = page.nextRowid;
      if (!page.hasMore) break;
    }
    expect(pages.map((page) => page.messages.map((message) => message.text))).toEqual([
      ["row 0", "row 1"],
      ["row 2", "row 3"],
      ["row 4"],
    ]);
    expect(pages.flatMap((page) => page.messages.map((message) => message.id))).toEqual(
      written.map((row) => row.rowid),
    );
    expect(cursor).toBe(written.at(-1)?.rowid);
    expect(pages[0]?.messages[0]).toMatchObject({ sender: friend, isFromMe: false, guid: written[0]?.guid });
  });

  it("returns standalone tapback rows only with includeReactions", async () => {
    const since = newestRowid();
    const liked = inject(sim.dbPath, { from: friend, text: "like this" });
    const tapback = inject(sim.dbPath, { from: friend, tapback: { kind: "like", target: liked.guid } });
    const client = await clientOf("0.15.10");
    const plain = await client.messagesAfter({ sinceRowid: since });
    expect(plain.messages.map((message) => message.id)).toEqual([liked.rowid]);
    expect(plain.messages[0]?.reactions.map((reaction) => reaction.type)).toEqual(["like"]);
    const withReactions = await client.messagesAfter({
      sinceRowid: since,
      includeReactions: true,
      chatId: liked.chatId,
    });
    expect(withReactions.messages.map((message) => [message.id, message.isReaction === true])).toEqual([
      [liked.rowid, false],
      [tapback.rowid, true],
    ]);
  });

  it("sends only the snake_case keys imsg lists for messages.after, integers as integers, nothing undefined", async () => {
    const client = await clientOf("0.15.10");
    await client.messagesAfter({ sinceRowid: 0 });
    await client.messagesAfter({ sinceRowid: 3, limit: 500, chatId: 2, includeReactions: false, attachments: true });
    expect(messagesAfterRequests()).toEqual([
      { since_rowid: 0 },
      { since_rowid: 3, limit: 500, chat_id: 2, include_reactions: false, attachments: true },
    ]);
  });

  it("refuses what imsg would answer with -32602 before sending anything, naming the key and the fix", async () => {
    const client = await clientOf("0.15.10");
    const attempts = [
      [{ sinceRowid: -1 }, /sinceRowid: -1 is not a non-negative integer/],
      [{ sinceRowid: 1.5 }, /sinceRowid: 1.5 is not a non-negative integer/],
      [{ sinceRowid: 0, limit: 501 }, /limit: 501 is not an integer from 1 to 500/],
      [{ sinceRowid: 0, limit: 0 }, /limit: 0 is not an integer from 1 to 500/],
      [{ sinceRowid: 0, chatId: 0 }, /chatId: 0 is not a positive integer/],
    ] as const;
    for (const [params, message] of attempts) {
      const error = await client.messagesAfter(params).catch((caught: unknown) => caught);
      expect(RpcClientError.isInstance(error) && error.code).toBe("PARAMS_INVALID");
      expect(errorMessage(error)).toMatch(message);
    }
    expect(messagesAfterRequests()).toEqual([]);
    // The client is still usable afterwards.
    expect((await client.messagesAfter({ sinceRowid: newestRowid() })).messages).toEqual([]);
  });

  it("is among the negotiated methods on 0.15.10, and a 0.9.0 build answers method-not-found", async () => {
    const current = await clientOf("0.15.10");
    expect((await current.initialize()).methods).toContain("messages.after");
    const legacy = await clientOf("0.9.0");
    expect((await legacy.initialize()).methods).toBeUndefined();
    const error = await legacy.messagesAfter({ sinceRowid: 0 }).catch((caught: unknown) => caught);
    expect(ImsgRpcError.isInstance(error) && error.methodNotFound).toBe(true);
  });
});
