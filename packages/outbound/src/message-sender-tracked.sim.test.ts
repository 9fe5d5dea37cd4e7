// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { createChatDb, inject, simBinPath } from "@imessage-channel/imsg-sim";
import { ImsgClient, RpcClientError } from "@imessage-channel/rpc-client";
import { LocalTransport } from "@imessage-channel/transport";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMessageSender, type MessageSender, type PartAttempt, type PartIdentity } from "./message-sender.ts";
import { OutboundError } from "./outbound-error.ts";
import { trackedSendGuid, trackedSendsUsable } from "./tracked-send.ts";

let dir: string;
let dbPath: string;
let chatId: number;
const clients: ImsgClient[] = [];
/** What each child negotiated in `initialize`, as the supervisor keeps it per connection. */
const negotiated = new WeakMap<ImsgClient, readonly string[] | undefined>();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tracked-sender-"));
  dbPath = join(dir, "chat.db");
  createChatDb(dbPath);
  chatId = inject(dbPath, { from: "+15555550123", text: "hi" }).chatId;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})));
  await rm(dir, { recursive: true, force: true });
});

/** A real imsg 0.15.10 sim child with its bridge up (so it offers send.tracked), as the supervisor starts it. */
async function simClient(flags: string[] = [], version = "0.15.10"): Promise<ImsgClient> {
  const client = new ImsgClient({
    transport: new LocalTransport({
      cliPath: process.execPath,
      args: [simBinPath, "rpc", "--db", dbPath, "--imsg-version", version, "--bridge", "up", ...flags],
      env: { ...process.env, HOME: join(dir, "home") },
    }),
  });
  clients.push(client);
  await client.start();
  negotiated.set(client, (await client.initialize()).methods);
  return client;
}

function connection(initial?: ImsgClient) {
  const state: { current: ImsgClient | undefined } = { current: initial };
  const sender = (): MessageSender =>
    createMessageSender({
      call: (method, params) => {
        if (!state.current) throw new RpcClientError("NOT_CONNECTED", "imsg is not connected (state: reconnecting)");
        return state.current.request(method, params);
      },
      isConnected: () => state.current?.running === true && !state.current.mutationsBlocked,
      reconnectWaitMs: 10_000,
      accountId: "default",
      trackedSends: () => trackedSendsUsable(state.current && negotiated.get(state.current)),
      settleGapsMs: [200, 200, 200],
    });
  return { state, sender };
}

/** Our rows in the chat with their guids, oldest first. */
function sentRows(): Array<{ text: string; guid: string }> {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return database
      .prepare(
        `SELECT m.text AS text, m.guid AS guid FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID
         WHERE m.is_from_me = 1 AND j.chat_id = ? ORDER BY m.ROWID`,
      )
      .all(chatId)
      .map((row) => ({ text: String(row.text), guid: String(row.guid) }));
  } finally {
    database.close();
  }
}

const chat = () => ({ chatId, handle: "+15555550123" });

/** A part whose attempts are recorded, as the channel persists them before each request. */
function part(key: string, extra: Partial<PartIdentity> = {}): PartIdentity & { attempts: PartAttempt[] } {
  const attempts: PartAttempt[] = [];
  return {
    key,
    attempt: 0,
    onAttempt: (attempt) => {
      attempts.push(attempt);
    },
    attempts,
    ...extra,
  };
}

async function sendText(sender: MessageSender, text: string, identity: PartIdentity) {
  const delivery = sender.delivery(chat());
  return delivery.send({ method: "send", params: { ...delivery.target, text } }, identity);
}

describe("tracked sends settle a lost answer by their own guid (against imsg-sim 0.15.10)", () => {
  it("sends a text part as send.tracked under the guid derived from its key, persisted before the request", async () => {
    const { sender } = connection(await simClient());
    const identity = part("reply:g1#0");
    const sent = await sendText(sender(), "tracked", identity);
    const guid = trackedSendGuid("default", "reply:g1#0", 0);
    expect(sent).toMatchObject({ guid, mode: "tracked", state: "sent" });
    expect(identity.attempts).toEqual([{ mode: "tracked", attempt: 0, guid, startedAt: expect.any(Number) }]);
    expect(sentRows()).toEqual([{ text: "tracked", guid }]);
  });

  it.each([["may_have_completed"], ["still_in_flight"]])(
    "-32001 %s: found by message.send_status, never sent twice",
    async (disposition) => {
      const { state, sender } = connection(await simClient(["--fault-mutation", `${disposition}:send.tracked@1`]));
      const sending = sendText(sender(), `answer lost (${disposition})`, part("reply:g2#0"));
      if (disposition === "still_in_flight") {
        // The lane is blocked until the child restarts, as the supervisor does on -32004 / a blocked lane.
        await vi.waitFor(() => expect(state.current?.mutationsBlocked).toBe(true));
        state.current = await simClient();
      }
      const sent = await sending;
      expect(sent).toMatchObject({ found: true, mode: "tracked", guid: trackedSendGuid("default", "reply:g2#0", 0) });
      expect(sentRows().map((row) => row.text)).toEqual([`answer lost (${disposition})`]);
    },
  );

  it("a child killed after the row landed: settled on the next child, one row", async () => {
    const dying = await simClient(["--fault-mutation", "killed:send.tracked@1"]);
    const { state, sender } = connection(dying);
    const sending = sendText(sender(), "killed mid-send", part("reply:g3#0"));
    await vi.waitFor(() => expect(dying.running).toBe(false));
    state.current = await simClient();
    expect(await sending).toMatchObject({ found: true, mode: "tracked" });
    expect(sentRows().map((row) => row.text)).toEqual(["killed mid-send"]);
  });

  it("not_started with retry_safe: sent again under the same guid, one row", async () => {
    const { sender } = connection(await simClient(["--fault-mutation", "not_started:send.tracked@1"]));
    const identity = part("reply:g4#0");
    const sent = await sendText(sender(), "refused, then sent", identity);
    expect(sent).toMatchObject({ mode: "tracked", state: "sent" });
    expect(identity.attempts.map((attempt) => attempt.guid)).toEqual([sent.guid, sent.guid]);
    expect(sentRows().map((row) => row.text)).toEqual(["refused, then sent"]);
  });

  it("an attempt the gateway never learned about: found by its guid, or reported unknown and not sent", async () => {
    const { sender } = connection(await simClient());
    const landed = await sendText(sender(), "landed before the crash", part("reply:g5#0"));
    const resumed = part("reply:g5#0", {
      unsettled: { mode: "tracked", attempt: 0, guid: landed.guid!, startedAt: Date.now() },
    });
    expect(await sendText(sender(), "landed before the crash", resumed)).toMatchObject({ found: true });
    const never = part("reply:g6#0", {
      unsettled: { mode: "tracked", attempt: 0, guid: trackedSendGuid("default", "reply:g6#0", 0), startedAt: 0 },
    });
    const failure = await sendText(sender(), "never written", never).catch((error: unknown) => error);
    expect(OutboundError.isInstance(failure) && failure.code).toBe("SEND_UNCONFIRMED");
    expect(String(failure)).toMatch(/message\.send_status does not know its guid .*it was not sent again/);
    expect(never.attempts).toEqual([]);
    expect(sentRows().map((row) => row.text)).toEqual(["landed before the crash"]);
  });

  it("a resend of a guid imsg already has is refused by imsg and read as proof it is in the chat", async () => {
    const { sender } = connection(await simClient());
    const first = await sendText(sender(), "once", part("reply:g7#0"));
    // The operator asked to resend an unknown part that had landed after all: same key, same attempt, same guid.
    expect(await sendText(sender(), "once", part("reply:g7#0"))).toMatchObject({ found: true, guid: first.guid });
    expect(sentRows().map((row) => row.text)).toEqual(["once"]);
  });

  it("Messages marking the row failed makes the part failed, not sent again", async () => {
    const { sender } = connection(
      await simClient([
        "--fault-mutation",
        "may_have_completed:send.tracked@1",
        "--fault-send-status",
        "failed",
        "--send-progress-ms",
        "50",
      ]),
    );
    const failure = await sendText(sender(), "not delivered", part("reply:g8#0")).catch((error: unknown) => error);
    expect(OutboundError.isInstance(failure) && failure.code).toBe("SEND_FAILED");
    expect(sentRows().map((row) => row.text)).toEqual(["not delivered"]);
  });

  it("files and older imsg go the history way: no send.tracked without it in methods", async () => {
    const { sender } = connection(await simClient([], "0.13.0"));
    const sent = await sendText(sender(), "plain send", part("reply:g9#0"));
    expect(sent.mode).toBe("history");
    expect(sentRows().map((row) => row.text)).toEqual(["plain send"]);
  });
});
