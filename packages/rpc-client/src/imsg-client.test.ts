// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { inject, readRequestLog, writeBridgeState } from "@imessage-channel/imsg-sim";
import { recordingLogger } from "@imessage-channel/kit";
import { waitFor } from "@imessage-channel/vitest-config/wait-for";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  ChildExitedError,
  ImsgRpcError,
  ImsgStartupError,
  RequestTimeoutError,
  RpcClientError,
  SubscriptionError,
} from "./errors.ts";
import { ImsgClient } from "./imsg-client.ts";
import type { Message } from "./imsg-objects.ts";
import { messageNotificationLine, scriptedTransport } from "./test-support/scripted-transport.ts";
import { pidOf, SimHarness } from "./test-support/sim-harness.ts";

let sim: SimHarness;
const clients: ImsgClient[] = [];

beforeEach(() => {
  sim = new SimHarness();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await sim.dispose();
});

async function started(client: ImsgClient): Promise<ImsgClient> {
  clients.push(client);
  await client.start();
  return client;
}

async function collect(iterable: AsyncIterable<Message>, count: number): Promise<Message[]> {
  const messages: Message[] = [];
  for await (const message of iterable) {
    messages.push(message);
    if (messages.length === count) break;
  }
  return messages;
}

describe("ImsgClient against imsg-sim", () => {
  it("reads chats and history as typed camelCase objects", async () => {
    const client = await started(new ImsgClient({ transport: sim.transport() }));
    const chats = await client.chatsList({ limit: 10 });
    expect(chats[0]).toMatchObject({ name: "Weekend Crew", isGroup: true });
    const history = await client.messagesHistory({ chatId: 2, attachments: true, limit: 3 });
    expect(history.map((message) => message.id)).toEqual([7, 4, 3]);
    expect(history[1]?.attachments[0]).toMatchObject({ mimeType: "image/heic", missing: true });
  });

  it("streams rows written after subscribing, and unsubscribes", async () => {
    const client = await started(new ImsgClient({ transport: sim.transport() }));
    const subscription = await client.subscribe({ debounceMs: 0 });
    const written = inject(sim.dbPath, { from: "+15551234567", text: "hello from the test" });
    const [message] = await collect(subscription, 1);
    expect(message).toMatchObject({ id: written.rowid, text: "hello from the test", sender: "+15551234567" });
    await subscription.unsubscribe();
    expect(await subscription.ended).toBeUndefined();
  });

  it("resumes after a cursor and filters to one chat", async () => {
    const client = await started(new ImsgClient({ transport: sim.transport() }));
    const subscription = await client.subscribe({ chatId: 2, sinceRowid: 3, includeReactions: true });
    const messages = await collect(subscription, 3);
    expect(messages.map((message) => [message.id, message.chatId])).toEqual([
      [4, 2],
      [5, 2],
      [7, 2],
    ]);
    expect(messages[1]).toMatchObject({ isReaction: true, reactionType: "love" });
  });

  it("sends with camelCase params and returns the verified row", async () => {
    const client = await started(new ImsgClient({ transport: sim.transport() }));
    const result = await client.send({ chatId: 1, text: "on my way" });
    expect(result).toMatchObject({ ok: true, transport: "applescript" });
    const [newest] = await client.messagesHistory({ chatId: 1, limit: 1 });
    expect(newest).toMatchObject({ id: result.id, text: "on my way", isFromMe: true });
  });

  it("calls every bridge method with its params mapped to the wire, changing the database", async () => {
    writeBridgeState(sim.dbPath, { sip: "disabled", launched: true });
    const client = await started(new ImsgClient({ transport: sim.transport() }));
    const target = { chatGuid: "iMessage;+;chat123456789012345678" };
    const messageGuid = "0B6E1C2A-1111-4C3B-9F00-000000000003";
    expect(await client.sendRich({ ...target, text: "rich", effectId: "confetti", ddScan: false })).toMatchObject({
      ok: true,
    });
    expect(await client.tapback({ ...target, messageGuid, reaction: "👍" })).toEqual({ ok: true, reaction: "like" });
    await client.typing({ ...target, typing: true });
    await client.read(target);
    await client.messageEdit({ ...target, messageGuid, text: "edited" });
    const guidsOf = async () =>
      (await client.messagesHistory({ chatId: 2 })).map((message) => [message.guid, message.text]);
    expect(await guidsOf()).toContainEqual([messageGuid, "edited"]);
    await client.messageUnsend({ ...target, messageGuid, partIndex: 0 });
    await client.messageNotifyAnyways({ ...target, messageGuid });
    await client.messageDelete({ ...target, messageGuid });
    expect((await guidsOf()).map(([guid]) => guid)).not.toContain(messageGuid);
    const file = join(sim.directory, "photo.jpg");
    writeFileSync(file, "not really a jpeg");
    const attached = await client.sendAttachment({ ...target, file });
    expect(attached.ok).toBe(true);
    const [newest] = await client.messagesHistory({ chatId: 2, limit: 1, attachments: true });
    expect(newest).toMatchObject({ guid: attached.guid, isFromMe: true });
    expect(newest?.attachments[0]?.transferName).toBe("photo.jpg");
    await client.groupRename({ ...target, name: "Renamed Crew" });
    const database = new DatabaseSync(sim.dbPath, { readOnly: true });
    expect(database.prepare("SELECT display_name FROM chat WHERE ROWID = 2").get()).toEqual({
      display_name: "Renamed Crew",
    });
    database.close();
    await client.groupSetIcon(target);
    await client.groupAddParticipant({ ...target, address: "new@example.com" });
    await client.groupRemoveParticipant({ ...target, address: "new@example.com" });
    await client.chatsMarkUnread(target);
    const created = await client.chatsCreate({ addresses: ["+15550009999"], name: "New", text: "first" });
    expect(created.ok).toBe(true);
    await client.groupLeave(target);
    await client.chatsDelete({ chatId: 1 });
  });

  it("rejects with the wire code, message and data of imsg's errors", async () => {
    const client = await started(new ImsgClient({ transport: sim.transport() }));
    const invalid = await client
      .send({ to: "+15551234567", text: "x", service: "SMS" as "sms" })
      .catch((error) => error);
    expect(ImsgRpcError.isInstance(invalid)).toBe(true);
    expect(invalid).toMatchObject({ code: -32602, wireMessage: "Invalid params", data: "invalid service" });
    const missing = await client.request("no.such.method").catch((error) => error);
    expect(missing).toMatchObject({ code: -32601, methodNotFound: true });
    const bridge = await client.tapback({ chatId: 2, messageGuid: "G", reaction: "love" }).catch((error) => error);
    expect(bridge).toMatchObject({ code: -32603 });
  });

  it("delivers notifications that arrive before the subscribe response, in order", async () => {
    const client = await started(new ImsgClient({ transport: sim.transport(["--fault-notify-before-response"]) }));
    const subscription = await client.subscribe({ sinceRowid: -1, includeReactions: true });
    const messages = await collect(subscription, 10);
    expect(messages.map((message) => message.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it("logs malformed and oversized lines with a preview and keeps serving", async () => {
    const logger = recordingLogger();
    const transport = sim.transport(
      [
        "--fault-malformed-line-after",
        "1",
        "--fault-oversized-line-after",
        "2",
        "--fault-oversized-line-bytes",
        "300000",
      ],
      { maxLineBytes: 100_000 },
    );
    const client = await started(new ImsgClient({ transport, logger }));
    await client.chatsList();
    await client.chatsList();
    expect((await client.chatsList()).length).toBeGreaterThan(0);
    await waitFor(
      () =>
        logger.find("not JSON") &&
        logger.entries.some((entry) => entry.level === "warn" && /discard|long|exceed/i.test(entry.message)),
      "both warnings",
    );
    const malformed = logger.find("not JSON");
    expect(malformed?.fields.line).toContain("deliberately not JSON");
  });

  it("skips a huge but valid line of an unknown notification", async () => {
    const logger = recordingLogger();
    const transport = sim.transport(["--fault-oversized-line-after", "1", "--fault-oversized-line-bytes", "300000"]);
    const client = await started(new ImsgClient({ transport, logger }));
    await client.chatsList();
    expect((await client.chatsList()).length).toBeGreaterThan(0);
    const skipped = await waitFor(() => logger.find("unknown method"), "the skip log");
    expect(String(skipped.fields.line).length).toBeLessThan(300);
  });

  it("reports imsg 0.9.0's Full Disk Access answer as a startup error", async () => {
    const transport = sim.transport(["--imsg-version", "0.9.0", "--fault-full-disk-access"]);
    const client = await started(new ImsgClient({ transport }));
    const reported: ImsgStartupError[] = [];
    client.on("startup-failed", (error) => reported.push(error));
    const error = await client.chatsList().catch((caught) => caught);
    expect(ImsgStartupError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "STARTUP_FAILED", fullDiskAccess: true });
    expect(reported).toHaveLength(1);
  });

  it("tries a request imsg 0.15 refused as busy (-32000) again, a bounded number of times", async () => {
    const busy = ["--imsg-version", "0.15.10", "--fault-busy-after", "1", "--fault-busy-count", "2"];
    const client = await started(new ImsgClient({ transport: sim.transport(busy) }));
    await client.chatsList();
    expect((await client.chatsList()).length).toBeGreaterThan(0);
    const strict = await started(new ImsgClient({ transport: sim.transport(busy), busyRetries: 1 }));
    await strict.chatsList();
    const refused = await strict.chatsList().catch((caught) => caught);
    expect(refused).toMatchObject({ code: -32000, busy: true });
  });

  it("keeps at most maxOutstanding requests at imsg 0.15, so 200 at once never meet its 128 limit", async () => {
    const requestLog = `${sim.directory}/requests.jsonl`;
    const transport = sim.transport([
      "--imsg-version",
      "0.15.10",
      "--fault-read-delay-ms",
      "20",
      "--request-log",
      requestLog,
    ]);
    const client = await started(new ImsgClient({ transport, busyRetries: 0 }));
    const answers = await Promise.all(Array.from({ length: 200 }, () => client.chatsList({ limit: 1 })));
    expect(answers).toHaveLength(200);
    const lists = readRequestLog(requestLog).filter(
      (record) => record.kind === "rpc" && record.method === "chats.list",
    );
    expect(lists).toHaveLength(200);
  });

  it("refuses mutations itself once imsg 0.15 reports a send still in flight, and keeps reading", async () => {
    const requestLog = `${sim.directory}/requests.jsonl`;
    const transport = sim.transport([
      "--imsg-version",
      "0.15.10",
      "--fault-mutation",
      "still_in_flight:send@1",
      "--request-log",
      requestLog,
    ]);
    const client = await started(new ImsgClient({ transport }));
    const blocked: ImsgRpcError[] = [];
    client.on("mutations-blocked", (error) => blocked.push(error));
    const first = await client.send({ chatId: 1, text: "one" }).catch((caught) => caught);
    expect(first).toMatchObject({ code: -32001, delivery: { disposition: "still_in_flight", retrySafe: false } });
    expect(client.mutationsBlocked).toBe(true);
    expect(blocked).toHaveLength(1);
    const second = await client.send({ chatId: 1, text: "two" }).catch((caught) => caught);
    expect(second).toMatchObject({ code: "MUTATIONS_BLOCKED" });
    expect((await client.chatsList()).length).toBeGreaterThan(0);
    const sends = readRequestLog(requestLog).filter((record) => record.kind === "rpc" && record.method === "send");
    expect(sends).toHaveLength(1);
  });

  it("reports imsg 0.15.10's Full Disk Access answer as a retryable database-unavailable error", async () => {
    const transport = sim.transport(["--imsg-version", "0.15.10", "--fault-full-disk-access"]);
    const client = await started(new ImsgClient({ transport }));
    const error = await client.chatsList().catch((caught) => caught);
    expect(ImsgStartupError.isInstance(error)).toBe(false);
    expect(error.databaseUnavailable).toMatchObject({ retryable: true });
  });

  it("reports a pre-0.8.2 text banner and exit as a startup error", async () => {
    const transport = sim.transport(["--pre-0.8.2", "--db", `${sim.directory}/missing/chat.db`]);
    const client = await started(new ImsgClient({ transport }));
    const error = await client.chatsList().catch((caught) => caught);
    expect(ImsgStartupError.isInstance(error)).toBe(true);
    expect(error.fullDiskAccess).toBe(true);
  });

  it("times out a slow request without losing later answers", async () => {
    const client = await started(
      new ImsgClient({ transport: sim.transport(["--fault-delay-ms", "400"]), readTimeoutMs: 100 }),
    );
    const error = await client.chatsList().catch((caught) => caught);
    expect(RequestTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "REQUEST_TIMEOUT", method: "chats.list", timeoutMs: 100 });
    const chats = await client.chatsList({}, { timeoutMs: 5000 });
    expect(chats.length).toBeGreaterThan(0);
  });

  it("rejects pending requests and ends subscriptions when the child is killed", async () => {
    const transport = sim.transport(["--fault-delay-ms", "2000"]);
    const client = await started(new ImsgClient({ transport }));
    const subscription = await client.subscribe({}, { timeoutMs: 5000 });
    const pending = client.chatsList().catch((caught) => caught);
    process.kill(pidOf(transport), "SIGKILL");
    const error = await pending;
    expect(ChildExitedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: "CHILD_EXITED", signal: "SIGKILL" });
    expect(ChildExitedError.isInstance(await subscription.ended)).toBe(true);
    await expect(client.chatsList()).rejects.toSatisfy((error) => ChildExitedError.isInstance(error));
  });
});

describe("ImsgClient against scripted children", () => {
  it("rejects a call on a transport that was never started as not connected", async () => {
    const client = new ImsgClient({ transport: scriptedTransport({}) });
    const error = await client.chatsList().catch((caught) => caught);
    expect(RpcClientError.isInstance(error)).toBe(true);
    expect(error.code).toBe("NOT_CONNECTED");
    expect(error.message).toContain("could not send chats.list");
  });

  it("ends a subscription with a typed error on an error notification", async () => {
    const transport = scriptedTransport({
      answers: {
        "watch.subscribe": {
          result: { subscription: 1 },
          after: [
            '{"jsonrpc":"2.0","method":"error","params":{"subscription":1,"error":{"message":"disk I/O error"}}}',
          ],
        },
      },
    });
    const client = await started(new ImsgClient({ transport }));
    const subscription = await client.subscribe();
    const error = await collect(subscription, 1).catch((caught) => caught);
    expect(SubscriptionError.isInstance(error)).toBe(true);
    expect(error.message).toContain("disk I/O error");
  });

  it("skips notifications that fail validation and delivers the next one", async () => {
    const logger = recordingLogger();
    const transport = scriptedTransport({
      answers: {
        "watch.subscribe": {
          result: { subscription: 1 },
          after: [
            '{"jsonrpc":"2.0","method":"message","params":{"subscription":1,"message":{"id":41,"text":7}}}',
            '{"jsonrpc":"2.0","method":"message","params":{"subscription":"x"}}',
            "[1,2,3]",
            '{"jsonrpc":"2.0","error":{"code":-32603,"message":"write failed"}}',
            messageNotificationLine(1, 42),
          ],
        },
      },
    });
    const client = await started(new ImsgClient({ transport, logger }));
    const [message] = await collect(await client.subscribe(), 1);
    expect(message?.id).toBe(42);
    expect(logger.find("failed validation")?.fields.rowid).toBe(41);
    expect(logger.find("invalid message notification")).toBeDefined();
  });

  it("treats an exit before any answer as a startup error", async () => {
    const transport = scriptedTransport({ exitAtStart: 1 });
    const client = new ImsgClient({ transport });
    clients.push(client);
    const failed = new Promise<ImsgStartupError>((resolve) => client.once("startup-failed", resolve));
    await client.start();
    expect((await failed).code).toBe("STARTUP_FAILED");
    await expect(client.chatsList()).rejects.toSatisfy((error) => ImsgStartupError.isInstance(error));
  });

  it("rejects a result that does not match the method's schema", async () => {
    const transport = scriptedTransport({ answers: { "chats.list": { result: { chat: [] } } } });
    const client = await started(new ImsgClient({ transport }));
    const error = await client.chatsList().catch((caught) => caught);
    expect(RpcClientError.isInstance(error)).toBe(true);
    expect(error.code).toBe("RESULT_INVALID");
  });

  it("drops notifications that arrive for a subscription after it was unsubscribed", async () => {
    const logger = recordingLogger();
    const transport = scriptedTransport({
      answers: {
        "watch.subscribe": { result: { subscription: 3 } },
        "watch.unsubscribe": { before: [messageNotificationLine(3, 99)] },
      },
    });
    const client = await started(new ImsgClient({ transport, logger, maxBufferedNotifications: 0 }));
    const subscription = await client.subscribe();
    await subscription.unsubscribe();
    await client.request("test.barrier");
    expect(logger.find("dropped a buffered notification")).toBeUndefined();
  });

  it("unsubscribes a subscription whose response came after its timeout", async () => {
    const transport = scriptedTransport({
      answers: {
        "watch.subscribe": { result: { subscription: 7 } },
        "watch.unsubscribe": { after: ['{"jsonrpc":"2.0","method":"test.unsubscribed","params":{}}'] },
      },
    });
    const logger = recordingLogger();
    const client = await started(new ImsgClient({ transport, logger, readTimeoutMs: 50 }));
    // A zero timeout expires before the child's immediate answer arrives.
    const error = await client.subscribe({}, { timeoutMs: 0 }).catch((caught) => caught);
    expect(RequestTimeoutError.isInstance(error)).toBe(true);
    await waitFor(() => logger.find("after its timeout"), "the late answer");
    await waitFor(
      () => logger.entries.find((entry) => entry.fields.method === "test.unsubscribed"),
      "watch.unsubscribe of the late subscription",
    );
  });

  it("drops a late answer after a timeout with one log line, ignoring a repeat of it", async () => {
    const transport = scriptedTransport({
      answers: { "test.slow": { after: ['{"jsonrpc":"2.0","id":"$ID","result":{"ok":true}}'] } },
    });
    const logger = recordingLogger();
    const client = await started(new ImsgClient({ transport, logger }));
    const error = await client.request("test.slow", {}, { timeoutMs: 0 }).catch((caught) => caught);
    expect(RequestTimeoutError.isInstance(error)).toBe(true);
    expect(await client.request("test.barrier")).toEqual({ ok: true });
    const late = logger.entries.filter((entry) => entry.message.includes("after its timeout"));
    expect(late).toHaveLength(1);
    expect(late[0]?.fields.method).toBe("test.slow");
    expect(logger.find("matches no request")).toBeUndefined();
  });

  it("logs and skips a response whose id it never sent", async () => {
    const transport = scriptedTransport({
      answers: { "test.barrier": { before: ['{"jsonrpc":"2.0","id":999,"result":{"ok":true}}'] } },
    });
    const logger = recordingLogger();
    const client = await started(new ImsgClient({ transport, logger }));
    expect(await client.request("test.barrier")).toEqual({ ok: true });
    expect(logger.find("matches no request")?.fields.line).toContain('"id":999');
  });

  it("rejects every pending request with ChildExitedError when the child exits", async () => {
    const transport = scriptedTransport({
      answers: { "test.hang": { silent: true }, "test.exit": { silent: true, exitAfter: 3 } },
    });
    const client = await started(new ImsgClient({ transport }));
    await client.request("test.barrier");
    const pending = Array.from({ length: 25 }, () => client.request("test.hang").catch((caught) => caught));
    pending.push(client.request("test.exit").catch((caught) => caught));
    const errors = await Promise.all(pending);
    expect(errors.every((error) => ChildExitedError.isInstance(error))).toBe(true);
    expect(new Set(errors).size).toBe(1);
    expect(errors[0]).toMatchObject({ code: "CHILD_EXITED", exitCode: 3 });
  });
});
