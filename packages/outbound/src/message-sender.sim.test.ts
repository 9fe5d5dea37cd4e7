// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createChatDb, inject, simBinPath } from "@imessage-channel/imsg-sim";
import { ImsgClient, ImsgRpcError, RpcClientError } from "@imessage-channel/rpc-client";
import { LocalTransport } from "@imessage-channel/transport";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMessageSender, type MessageSender } from "./message-sender.ts";
import { fileSendCall } from "./reply-media.ts";
import { planTextSends } from "./reply-text.ts";

let dir: string;
let dbPath: string;
let chatId: number;
const clients: ImsgClient[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "message-sender-"));
  dbPath = join(dir, "chat.db");
  createChatDb(dbPath);
  chatId = inject(dbPath, { from: "+15555550123", text: "hi" }).chatId;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})));
  await rm(dir, { recursive: true, force: true });
});

/** A real imsg-sim child over stdio, as the supervisor would start it. */
async function simClient(faults: string[] = [], options: { sendTimeoutMs?: number } = {}): Promise<ImsgClient> {
  const client = new ImsgClient({
    transport: new LocalTransport({
      cliPath: process.execPath,
      args: [simBinPath, "rpc", "--db", dbPath, ...faults],
      env: { ...process.env, HOME: join(dir, "home") },
    }),
    ...options,
  });
  clients.push(client);
  await client.start();
  return client;
}

/** What the supervisor offers: the current client (undefined while reconnecting) and its `request`. */
function connection(initial?: ImsgClient) {
  const state = { current: initial };
  const sender = (reconnectWaitMs = 10_000): MessageSender =>
    createMessageSender({
      call: (method, params) => {
        if (!state.current) throw new RpcClientError("NOT_CONNECTED", "imsg is not connected (state: reconnecting)");
        return state.current.request(method, params);
      },
      isConnected: () => state.current?.running === true,
      reconnectWaitMs,
    });
  return { state, sender };
}

/** Our rows in the chat (joined to it, as Messages.app writes a delivered message), oldest first. */
function sentRows(): Array<{ text: string } | { file: string }> {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return database
      .prepare(
        `SELECT m.text AS text, a.transfer_name AS file FROM message m
         JOIN chat_message_join j ON j.message_id = m.ROWID
         LEFT JOIN message_attachment_join ma ON ma.message_id = m.ROWID
         LEFT JOIN attachment a ON a.ROWID = ma.attachment_id
         WHERE m.is_from_me = 1 AND j.chat_id = ? ORDER BY m.ROWID`,
      )
      .all(chatId)
      .map((row) => (row.file ? { file: String(row.file) } : { text: String(row.text) }));
  } finally {
    database.close();
  }
}

const chat = () => ({ chatId, handle: "+15555550123" });
const text = (sender: MessageSender, message: string) => {
  const delivery = sender.delivery(chat());
  return delivery.send({ method: "send", params: { ...delivery.target, text: message } });
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A reply file as the gateway stages it: a fresh folder per send, the file under its own name. */
let staged = 0;
async function fileNamed(name: string, content = name): Promise<string> {
  const folder = join(dir, "staged", String(++staged));
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, name), content);
  return join(folder, name);
}

describe("MessageSender sends once across reconnects (against imsg-sim)", () => {
  it("waits for imsg to come back instead of failing the reply, then sends it once", async () => {
    const { state, sender } = connection();
    const sending = text(sender(), "sent after the reconnect");
    await sleep(300);
    state.current = await simClient();
    const outcome = await sending;
    expect(outcome.rowid).toBeGreaterThan(0);
    expect(sentRows()).toEqual([{ text: "sent after the reconnect" }]);
  });

  it("looks a send cut off by the child's death up in history instead of sending it twice", async () => {
    // This child writes the row but never answers: the send's outcome is unknown when the child dies.
    const dying = await simClient(["--fault-hang-after-responses", "0"]);
    const { state, sender } = connection(dying);
    const sending = text(sender(), "exactly once");
    await sleep(300);
    state.current = await simClient();
    await dying.close();
    const outcome = await sending;
    expect(sentRows()).toEqual([{ text: "exactly once" }]);
    expect(outcome).toMatchObject({ found: true });
    expect(outcome.rowid).toBeGreaterThan(0);
  });

  it("stops waiting for imsg when the account stops, so a shutdown is not held by a send", async () => {
    const stop = new AbortController();
    const sender = createMessageSender({
      call: () => Promise.reject(new RpcClientError("NOT_CONNECTED", "imsg is not connected")),
      isConnected: () => false,
      reconnectWaitMs: 60_000,
      signal: stop.signal,
    });
    const sending = text(sender, "after the next start");
    await sleep(150);
    stop.abort();
    await expect(sending).rejects.toMatchObject({ code: "SENDS_STOPPED" });
  });

  it("gives up after the wait with a line that says what to check", async () => {
    const { sender } = connection();
    await expect(text(sender(300), "nobody home")).rejects.toThrow(
      /^imsg did not reconnect within 300 ms, so the reply could not be sent; see `imessage-channel status` for why$/,
    );
  });

  it("looks a file send cut off by the child's death up by its name instead of sending the file again", async () => {
    const dying = await simClient(["--fault-hang-after-responses", "0"]);
    const { state, sender } = connection(dying);
    const delivery = sender().delivery(chat());
    const sending = delivery.send(fileSendCall(delivery.target, await fileNamed("chart.png")));
    await sleep(300);
    state.current = await simClient();
    await dying.close();
    expect(await sending).toMatchObject({ found: true });
    expect(sentRows()).toEqual([{ file: "chart.png" }]);
  });

  it("resumes a reply after a restart: parts already sent are found, two identical chunks stay two rows", async () => {
    const { state, sender } = connection(await simClient());
    const startedAt = Date.now();
    // Before the "crash": the first chunk and the first of two files with one name went out.
    const before = sender().delivery(chat());
    const chunks = planTextSends("same\n\nsame", { target: before.target, chunkMode: "newline" });
    expect(chunks).toHaveLength(2);
    await before.send(chunks[0]!);
    await before.send(fileSendCall(before.target, await fileNamed("report.txt", "first")));

    state.current = await simClient();
    const after = sender().delivery(chat(), { maybeSentSince: startedAt });
    const outcomes = [];
    for (const call of chunks) outcomes.push(await after.send(call));
    outcomes.push(await after.send(fileSendCall(after.target, await fileNamed("report.txt", "first"))));
    outcomes.push(await after.send(fileSendCall(after.target, await fileNamed("report.txt", "second"))));

    expect(outcomes.map((outcome) => outcome.found === true)).toEqual([true, false, true, false]);
    expect(sentRows()).toEqual([{ text: "same" }, { file: "report.txt" }, { text: "same" }, { file: "report.txt" }]);
  });

  it("does not take the row of an earlier identical chunk imsg answered without a guid for a lost one", async () => {
    // The first send is answered without id/guid (verification missed it), then the child exits: the second
    // identical chunk meets a dead connection, so its outcome is unknown and history holds only the first row.
    const dying = await simClient(["--fault-send", "unverified", "--fault-exit-after-responses", "1"]);
    const { state, sender } = connection(dying);
    const delivery = sender().delivery(chat());
    const first = await delivery.send({ method: "send", params: { ...delivery.target, text: "again" } });
    expect(first.guid).toBeUndefined();
    const second = delivery.send({ method: "send", params: { ...delivery.target, text: "again" } });
    await vi.waitFor(() => expect(dying.running).toBe(false));
    state.current = await simClient();
    expect((await second).found).toBeUndefined();
    expect(sentRows()).toEqual([{ text: "again" }, { text: "again" }]);
  });

  it("counts an identical chunk sent seconds earlier without a guid when a later one's answer is lost", async () => {
    // imsg answered the first "ok" without a guid; the second, sent more than the 2 s clock slack later, loses its
    // answer with the child. Looking from the second send's own start would miss the first row, take the second
    // row for the first, and send "ok" a third time.
    const dying = await simClient(["--fault-send", "unverified", "--fault-hang-after-responses", "1"]);
    const { state, sender } = connection(dying);
    const delivery = sender().delivery(chat());
    expect((await delivery.send({ method: "send", params: { ...delivery.target, text: "ok" } })).guid).toBeUndefined();
    await sleep(2_500);
    const second = delivery.send({ method: "send", params: { ...delivery.target, text: "ok" } });
    await sleep(300);
    state.current = await simClient();
    await dying.close();
    expect(await second).toMatchObject({ found: true });
    expect(sentRows()).toEqual([{ text: "ok" }, { text: "ok" }]);
  });

  it("resumes from persisted parts: owned guids and guid-less earlier parts are never taken for a lost one", async () => {
    const { state, sender } = connection(await simClient(["--fault-send", "unverified"]));
    const startedAt = Date.now();
    const before = sender().delivery(chat());
    const same = { method: "send", params: { ...before.target, text: "same" } };
    await before.send(same);
    await before.send(same);
    // After a restart: part 0 is settled (sent without a guid), part 1 was `sending` when the gateway died, part 2
    // (a third "same") never went out.
    state.current = await simClient();
    const after = sender().delivery(chat(), { unnamedSends: [same], startedAt });
    const resumed = await after.send(same, {
      key: "d#1",
      attempt: 0,
      unsettled: { mode: "history", attempt: 0, startedAt },
    });
    expect(resumed).toMatchObject({ found: true });
    expect((await after.send(same, { key: "d#2", attempt: 0 })).found).toBeUndefined();
    expect(sentRows()).toEqual([{ text: "same" }, { text: "same" }, { text: "same" }]);
  });

  it("finds in history a send imsg before 0.14 failed with an untyped -32603 after writing it, and sends it once", async () => {
    const { sender } = connection(
      await simClient(["--imsg-version", "0.13.0", "--fault-mutation", "may_have_completed:send@1"]),
    );
    expect(await text(sender(), "landed despite the error")).toMatchObject({ found: true });
    expect(sentRows()).toEqual([{ text: "landed despite the error" }]);
  });

  it("fails a send whose chat got macOS 26's unjoined empty row instead of taking that row for it", async () => {
    const { sender } = connection(await simClient(["--fault-send", "ghost-row"]));
    const delivery = sender().delivery(chat(), { maybeSentSince: Date.now() });
    const failure = await delivery.send({ method: "send", params: { ...delivery.target, text: "not delivered" } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(ImsgRpcError.isInstance(failure)).toBe(true);
    expect(String((failure as ImsgRpcError).data)).toContain("unjoined empty outgoing row");
    expect(sentRows()).toEqual([]);
  });
});
