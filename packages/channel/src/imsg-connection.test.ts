// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createChatDb, inject, simBinPath } from "@imessage-channel/imsg-sim";
import { ImsgClient } from "@imessage-channel/rpc-client";
import { LocalTransport } from "@imessage-channel/transport";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ImsgConnection } from "./imsg-connection.ts";

let dir: string;
let dbPath: string;
let chatId: number;
const clients: ImsgClient[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "imsg-connection-"));
  dbPath = join(dir, "chat.db");
  createChatDb(dbPath);
  chatId = inject(dbPath, { from: "+15555550123", text: "hi" }).chatId;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})));
  await rm(dir, { recursive: true, force: true });
});

/** A real imsg-sim child over stdio, as the supervisor would start it. */
async function simClient(faults: string[] = []): Promise<ImsgClient> {
  const client = new ImsgClient({
    transport: new LocalTransport({ cliPath: process.execPath, args: [simBinPath, "rpc", "--db", dbPath, ...faults] }),
  });
  clients.push(client);
  await client.start();
  return client;
}

function sentTexts(): string[] {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const rows = database.prepare("SELECT text FROM message WHERE is_from_me = 1").all() as Array<{ text: string }>;
    return rows.map((row) => row.text);
  } finally {
    database.close();
  }
}

const chat = () => ({ chatId, isGroup: false, handle: "+15555550123" });
/** One text through the connection's sender, as the reply deliverer sends a chunk. */
const sendText = (connection: ImsgConnection, text: string) => {
  const delivery = connection.delivery(chat());
  return delivery.send({ method: "send", params: { ...delivery.target, text } });
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("ImsgConnection sends across a reconnect", () => {
  it("waits for imsg to come back instead of failing the reply, then sends it once", async () => {
    let current: ImsgClient | undefined;
    const connection = new ImsgConnection(() => current, { reconnectWaitMs: 10_000 });
    const sending = sendText(connection, "sent after the reconnect");
    await sleep(300);
    current = await simClient();
    const outcome = await sending;
    expect(outcome.rowid).toBeGreaterThan(0);
    expect(sentTexts()).toEqual(["sent after the reconnect"]);
  });

  it("looks a send cut off by the child's death up in history instead of sending it twice", async () => {
    // This child writes the row but never answers: the send's outcome is unknown when the child dies.
    let current: ImsgClient | undefined = await simClient(["--fault-hang-after-responses", "0"]);
    const dying = current;
    const connection = new ImsgConnection(() => current, { reconnectWaitMs: 10_000 });
    const sending = sendText(connection, "exactly once");
    await sleep(300);
    current = await simClient();
    await dying.close();
    const outcome = await sending;
    expect(sentTexts()).toEqual(["exactly once"]);
    expect(outcome.rowid).toBeGreaterThan(0);
  });

  it("gives up after the wait with a line that says what to check", async () => {
    const connection = new ImsgConnection(() => undefined, { reconnectWaitMs: 300 });
    await expect(sendText(connection, "nobody home")).rejects.toThrow(
      /^imsg did not reconnect within 300 ms, so the reply could not be sent; see `imessage-channel status` for why$/,
    );
  });
});
