// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import type { Turn } from "@imessage-channel/agents";
import { resolveAccount, validateConfig } from "@imessage-channel/config";
import { createChatDb, inject, simBinPath } from "@imessage-channel/imsg-sim";
import { recordingLogger } from "@imessage-channel/kit";
import { trackedSendsUsable } from "@imessage-channel/outbound";
import { ImsgClient } from "@imessage-channel/rpc-client";
import { openStateStore, type StateStore } from "@imessage-channel/state";
import { LocalTransport } from "@imessage-channel/transport";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ImsgConnection } from "./imsg-connection.ts";
import type { ChatAddress } from "./imsg-port.ts";
import { createOutboundMedia } from "./outbound-media.ts";
import { type ActionOutcome, Outbox } from "./outbox.ts";

let dir: string;
let dbPath: string;
let chatId: number;
let state: StateStore;
const clients: ImsgClient[] = [];
const methods = new WeakMap<ImsgClient, readonly string[] | undefined>();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "outbox-"));
  dbPath = join(dir, "chat.db");
  createChatDb(dbPath);
  chatId = inject(dbPath, { from: "+15555550123", text: "hi" }).chatId;
  state = openStateStore({ stateDir: join(dir, "state") });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close().catch(() => {})));
  state.close();
  await rm(dir, { recursive: true, force: true });
});

/** A real imsg-sim 0.15.10 child (bridge up unless told otherwise), initialized as the supervisor does. */
async function simClient(flags: string[] = ["--bridge", "up"]): Promise<ImsgClient> {
  const client = new ImsgClient({
    transport: new LocalTransport({
      cliPath: process.execPath,
      args: [simBinPath, "rpc", "--db", dbPath, "--imsg-version", "0.15.10", ...flags],
      env: { ...process.env, HOME: join(dir, "home") },
    }),
  });
  clients.push(client);
  await client.start();
  methods.set(client, (await client.initialize()).methods);
  return client;
}

interface World {
  outbox: Outbox;
  logs: string[];
  ran: string[];
  connect(client: ImsgClient | undefined): void;
}

function world(initial: ImsgClient | undefined, options: { reconnectWaitMs?: number; aheadMs?: number } = {}): World {
  const config = validateConfig({
    channels: { imessage: { dmPolicy: "open", allowFrom: ["*"], chunkMode: "newline" } },
  });
  if (!config.config) throw new Error("test config invalid");
  const account = resolveAccount(config.config, "default");
  let current = initial;
  const logs: string[] = [];
  const ran: string[] = [];
  const imsg = new ImsgConnection(() => current, {
    accountId: "default",
    trackedSends: () => trackedSendsUsable(current && methods.get(current)),
    reconnectWaitMs: options.reconnectWaitMs ?? 10_000,
  });
  const outbox = new Outbox({
    account,
    state,
    imsg,
    logger: recordingLogger(logs),
    media: createOutboundMedia({ stateDir: join(dir, "state"), roots: [], mediaMaxBytes: 1 << 20 }),
    // The outbox's clock may run ahead of the sends', as the sweep's does minutes after a reply went out.
    now: () => Date.now() + (options.aheadMs ?? 0),
    runAction: async (_chat, action): Promise<ActionOutcome> => {
      ran.push(action.action);
      return { done: true };
    },
  });
  return { outbox, logs, ran, connect: (client) => (current = client) };
}

const chat = (): ChatAddress => ({ chatId, isGroup: false, handle: "+15555550123" });
const turn = { agentId: "main", sessionKey: "agent:main:main" } as Turn;

function sentTexts(): string[] {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  try {
    return database
      .prepare(
        `SELECT IFNULL(m.text, '') AS text FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID
         WHERE m.is_from_me = 1 ORDER BY m.ROWID`,
      )
      .all()
      .map((row) => String(row.text));
  } finally {
    database.close();
  }
}

const states = (deliveryId: string) => state.parts.partsOf(deliveryId).map((part) => [part.kind, part.state]);

describe("the outbox sends every part once (against imsg-sim 0.15.10)", () => {
  it("plans a reply's chunks and actions as parts; delivering the same id again sends nothing more", async () => {
    const { outbox, ran } = world(await simClient());
    const reply = { text: "one\n\ntwo", actions: [{ action: "react", messageId: "G", emoji: "👍" }] };
    const options = { deliveryId: "reply:g1", origin: "reply" as const };
    expect(await outbox.deliver(chat(), reply, turn, options)).toEqual({ sent: 3, unknown: 0, kept: 0 });
    expect(states("reply:g1")).toEqual([
      ["text", "sent"],
      ["text", "sent"],
      ["action", "sent"],
    ]);
    expect(await outbox.deliver(chat(), reply, turn, options)).toEqual({ sent: 0, unknown: 0, kept: 0 });
    expect(sentTexts()).toEqual(["one", "two"]);
    expect(ran).toEqual(["react"]);
  });

  it("a plain send's and an action's `sending` record is on disk (fdatasync'd) before they go out; a tracked send does not wait", async () => {
    // No tick during the test: every fdatasync counted is one a send asked for.
    state.close();
    state = openStateStore({ stateDir: join(dir, "state"), durability: { intervalMilliseconds: 3_600_000 } });
    await state.durable();
    const tracked = world(await simClient(["--bridge", "up"]));
    const before = state.durability.syncs;
    await tracked.outbox.sendText(chat(), "tracked one", { id: "notice:d1", origin: "notice" });
    expect(state.parts.partsOf("notice:d1")[0]).toMatchObject({ state: "sent", mode: "tracked" });
    expect(state.durability.syncs).toBe(before);

    const plain = world(await simClient(["--bridge", "down"]));
    await plain.outbox.deliver(chat(), { text: "plain one\n\nplain two" }, turn, {
      deliveryId: "reply:d2",
      origin: "reply",
    });
    expect(states("reply:d2")).toEqual([
      ["text", "sent"],
      ["text", "sent"],
    ]);
    expect(state.parts.partsOf("reply:d2").map((part) => part.mode)).toEqual(["history", "history"]);
    expect(state.durability.syncs).toBe(before + 2);
    expect(sentTexts()).toEqual(["tracked one", "plain one", "plain two"]);

    // An action is never run twice: it waits for its `sending` record too.
    const react = { action: "react", messageId: "G", emoji: "👍" };
    await tracked.outbox.deliver(chat(), { actions: [react] }, turn, { deliveryId: "reply:d3", origin: "reply" });
    expect(states("reply:d3")).toEqual([["action", "sent"]]);
    expect(tracked.ran).toEqual(["react"]);
    expect(state.durability.syncs).toBe(before + 3);
  });

  it("a part nothing can prove is unknown: one warning line, and no later run or sweep sends it", async () => {
    const { outbox, logs } = world(await simClient());
    const [part] = state.parts.plan({ id: "reply:g2", accountId: "default", origin: "reply", chat: chat() }, [
      { kind: "text", call: { method: "send", params: { chat_id: chatId, text: "maybe" } }, preview: "maybe" },
    ]);
    // A crash left it `sending` under a guid imsg never wrote.
    state.parts.update(part!.id, { state: "sending", mode: "tracked", guid: "0b0e5b8c-7a4f-5e0b-9f1d-000000000001" });
    expect(await outbox.resumeOpen()).toEqual({ sent: 0, unknown: 1, kept: 0 });
    expect(state.parts.get(part!.id)?.state).toBe("unknown");
    expect(logs.filter((line) => line.includes("is unknown"))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^warn outbox part ${part!.id} to chat_id:${chatId} is unknown \\("maybe"\\): .*; after checking the chat, run \`imessage-channel outbox resolve ${part!.id} --sent\\|--resend\\|--drop\`$`,
        ),
      ),
    ]);
    expect(await outbox.resumeOpen()).toEqual({ sent: 0, unknown: 0, kept: 0 });
    expect(sentTexts()).toEqual([]);
  });

  it("an action found sending after a restart is unknown, never run twice", async () => {
    const { outbox, ran } = world(await simClient());
    const [action] = state.parts.plan({ id: "reply:g3", accountId: "default", origin: "reply", chat: chat() }, [
      { kind: "action", call: { action: { action: "react" }, agentId: "main", sessionKey: "s" }, preview: "react" },
    ]);
    state.parts.update(action!.id, { state: "sending", mode: "action" });
    expect(await outbox.resumeOpen()).toEqual({ sent: 0, unknown: 1, kept: 0 });
    expect(ran).toEqual([]);
  });

  it("imsg away longer than a send waits: the parts stay planned, and the sweep sends them once it is back", async () => {
    const away = world(undefined, { reconnectWaitMs: 300 });
    const outcome = await away.outbox.sendText(chat(), "your pairing code", { id: "pairing:g4", origin: "pairing" });
    expect(outcome).toEqual({ sent: 0, unknown: 0, kept: 1 });
    expect(states("pairing:g4")).toEqual([["text", "planned"]]);
    expect(away.logs.some((line) => line.includes("kept and sent once imsg is back"))).toBe(true);
    away.connect(await simClient());
    expect(await away.outbox.resumeOpen()).toEqual({ sent: 1, unknown: 0, kept: 0 });
    expect(await away.outbox.resumeOpen()).toEqual({ sent: 0, unknown: 0, kept: 0 });
    expect(sentTexts()).toEqual(["your pairing code"]);
    expect(state.parts.partsOf("pairing:g4")[0]).toMatchObject({ origin: "pairing", mode: "tracked" });
  });

  it("a part imsg refuses fails the rest of its delivery, which say why, and the error is thrown", async () => {
    // macOS 26's unjoined empty row: imsg refuses the first send, so the chunk after it must not go out alone.
    const { outbox } = world(await simClient(["--fault-send", "ghost-row"]));
    const failure = await outbox
      .deliver(chat(), { text: "first\n\nsecond" }, turn, { deliveryId: "reply:g5", origin: "reply" })
      .catch((error: unknown) => error);
    expect(String(failure)).toMatch(/unjoined empty outgoing row/);
    const [first, second] = state.parts.partsOf("reply:g5");
    expect(first?.state).toBe("failed");
    expect(second).toMatchObject({
      state: "failed",
      detail: expect.stringMatching(/^not sent: part \d+ before it failed/),
    });
    expect(sentTexts()).toEqual([]);
  });

  it("asks Messages about accepted tracked parts: delivered is recorded, a failed one is reported for a resend", async () => {
    const delivered = world(await simClient(["--bridge", "up", "--send-progress-ms", "50"]), { aheadMs: 10_000 });
    await delivered.outbox.sendText(chat(), "arrives", { id: "notice:g6", origin: "notice" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await delivered.outbox.checkDelivery()).toEqual({ delivered: 1, failed: 0 });
    expect(states("notice:g6")).toEqual([["text", "delivered"]]);
    expect(await delivered.outbox.checkDelivery()).toEqual({ delivered: 0, failed: 0 });

    const bounced = world(
      await simClient(["--bridge", "up", "--send-progress-ms", "50", "--fault-send-status", "failed"]),
      { aheadMs: 10_000 },
    );
    await bounced.outbox.sendText(chat(), "bounces", { id: "error:g7", origin: "error" });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await bounced.outbox.checkDelivery()).toEqual({ delivered: 0, failed: 1 });
    const [part] = state.parts.partsOf("error:g7");
    expect(part).toMatchObject({ state: "failed", detail: "Messages marked it not delivered" });
    expect(bounced.logs).toContainEqual(
      expect.stringMatching(new RegExp(`^warn outbox part ${part!.id} to chat_id:${chatId} failed \\("bounces"\\)`)),
    );
    expect(sentTexts()).toEqual(["arrives", "bounces"]);
  });
});
