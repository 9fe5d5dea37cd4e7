// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBridgeState } from "./bridge-state.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, execSql, type TempChatDb } from "./test-support/temp-chat-db.ts";

const groupGuid = "iMessage;+;chat123456789012345678";
const parentGuid = "0B6E1C2A-1111-4C3B-9F00-000000000003";

function rowsOf(dbPath: string, sql: string, ...parameters: (string | number)[]): Record<string, unknown>[] {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  const rows = database.prepare(sql).all(...parameters) as Record<string, unknown>[];
  database.close();
  return rows;
}

async function errorData(sim: SimProcess, method: string, params: unknown): Promise<[number, string]> {
  const response = await sim.request(method, params);
  if (!response.error) throw new Error(`${method} unexpectedly succeeded: ${JSON.stringify(response.result)}`);
  return [response.error.code, String(response.error.data ?? "")];
}

describe("read methods and param coercion", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath], env: { HOME: db.home } });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it("chats.list clamps limit to at least 1 and coerces digit strings", async () => {
    const zero = (await sim.call("chats.list", { limit: 0 })) as { chats: unknown[] };
    const text = (await sim.call("chats.list", { limit: "1" })) as { chats: unknown[] };
    const fraction = (await sim.call("chats.list", { limit: 1.9 })) as { chats: unknown[] };
    expect([zero.chats.length, text.chats.length, fraction.chats.length]).toEqual([1, 1, 1]);
  });

  it("messages.history requires chat_id and returns [] for an unknown chat", async () => {
    expect(await errorData(sim, "messages.history", { limit: 5 })).toEqual([-32602, "chat_id is required"]);
    expect(await sim.call("messages.history", { chat_id: 999 })).toEqual({ messages: [] });
    const coerced = (await sim.call("messages.history", { chat_id: "1" })) as { messages: unknown[] };
    expect(coerced.messages).toHaveLength(3);
  });

  it("messages.history applies participants (case-insensitive, with sender fallback) before the limit", async () => {
    const jane = (await sim.call("messages.history", { chat_id: 2, participants: "JANE@example.com", limit: 1 })) as {
      messages: { id: number }[];
    };
    expect(jane.messages.map((message) => message.id)).toEqual([3]);
    const me = (await sim.call("messages.history", { chat_id: 2, participants: ["me@icloud.com", 7] })) as {
      messages: { id: number }[];
    };
    expect(me.messages.map((message) => message.id)).toEqual([4]);
  });

  it("messages.history filters start inclusive and end exclusive, and rejects date-only values", async () => {
    const window = (await sim.call("messages.history", {
      chat_id: 2,
      start: "2026-05-01T12:05:00Z",
      end: "2026-05-01T14:09:00+02:00",
    })) as { messages: { id: number }[] };
    expect(window.messages.map((message) => message.id)).toEqual([4, 3]);
    expect(await errorData(sim, "messages.history", { chat_id: 2, end: "yesterday" })).toEqual([
      -32603,
      "Invalid ISO8601 date: yesterday",
    ]);
  });

  it("messages.history leaves attachments empty unless asked", async () => {
    const plain = (await sim.call("messages.history", { chat_id: 2, limit: 2 })) as {
      messages: { id: number; attachments: unknown[] }[];
    };
    expect(plain.messages[1]).toMatchObject({ id: 4, attachments: [] });
    const asked = (await sim.call("messages.history", { chat_id: 2, limit: 2, attachments: "true" })) as {
      messages: { attachments: unknown[] }[];
    };
    expect(asked.messages[1]?.attachments).toHaveLength(1);
  });

  it("watch.subscribe validates debounce_ms and its alias, and a bad date creates no subscription", async () => {
    for (const value of [-1, 1.5, "soon"]) {
      expect(await errorData(sim, "watch.subscribe", { debounce_ms: value })).toEqual([
        -32602,
        "debounce_ms must be a non-negative integer",
      ]);
    }
    expect(await errorData(sim, "watch.subscribe", { debounceMs: -5 })).toEqual([
      -32602,
      "debounce_ms must be a non-negative integer",
    ]);
    expect(await errorData(sim, "watch.subscribe", { start: "2026-05-01" })).toEqual([
      -32603,
      "Invalid ISO8601 date: 2026-05-01",
    ]);
    const first = (await sim.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    const second = (await sim.call("watch.subscribe", { debounceMs: "20" })) as { subscription: number };
    expect([first.subscription, second.subscription]).toEqual([1, 2]);
  });

  it("watch.unsubscribe requires subscription and answers ok for unknown ids", async () => {
    expect(await errorData(sim, "watch.unsubscribe", {})).toEqual([-32602, "subscription is required"]);
    expect(await sim.call("watch.unsubscribe", { subscription: 1 })).toEqual({ ok: true });
    expect(await sim.call("watch.unsubscribe", { subscription: "2" })).toEqual({ ok: true });
    expect(await sim.call("watch.unsubscribe", { subscription: 4242 })).toEqual({ ok: true });
  });
});

describe("send on the simulated Mac", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    execSql(
      db.dbPath,
      "INSERT INTO chat (ROWID, guid, chat_identifier, service_name) VALUES (9, '', NULL, 'iMessage')",
    );
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath], env: { HOME: db.home } });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it("validates in imsg's order with the exact texts", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ to: "+15551234567", text: "x", service: "iMessage", transport: "nope" }, "invalid service"],
      [{ to: "+15551234567", text: "x", transport: "carrier-pigeon" }, "invalid transport"],
      [{ to: "+15551234567", chat_id: 1, text: "x" }, "use to or chat_*; not both"],
      [{ text: "x" }, "to is required for direct sends"],
      [{ to: "+15551234567" }, "text or file is required"],
      [{ chat_id: 99, text: "x" }, "unknown chat_id 99"],
      [{ chat_id: 9, text: "x" }, "missing chat identifier or guid"],
      [
        { chat_id: 1, text: "x", file: "~/nothing.png", transport: "bridge" },
        "bridge transport does not support text and file together",
      ],
      [{ to: "+15550000000", text: "x", transport: "bridge" }, "bridge transport requires an existing chat target"],
    ];
    for (const [params, data] of cases) {
      expect(await errorData(sim, "send", params)).toEqual([-32602, data]);
    }
  });

  it("fails staging a missing file with the AppleScript text", async () => {
    const missing = join(db.directory, "gone.jpg");
    expect(await errorData(sim, "send", { chat_id: 1, file: missing })).toEqual([
      -32603,
      `AppleScript failed: Attachment not found at ${missing}`,
    ]);
  });

  it("writes the outgoing row and its join in one go and returns transport, id and guid", async () => {
    const result = (await sim.call("send", { chat_id: 2, text: "on my way" })) as Record<string, unknown>;
    expect(result).toMatchObject({ ok: true, transport: "applescript" });
    const [row] = rowsOf(
      db.dbPath,
      "SELECT m.ROWID AS id, m.guid AS guid, m.is_from_me AS mine, m.handle_id AS handle, m.text AS text, " +
        "j.chat_id AS chat FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID WHERE m.text = 'on my way'",
    );
    expect(row).toEqual({ id: result.id, guid: result.guid, mine: 1, handle: 0, text: "on my way", chat: 2 });
  });

  it("sends to a new direct recipient by normalising the number and creating the chat", async () => {
    const result = (await sim.call("send", { to: "(555) 444-3333", text: "hello stranger" })) as { id: number };
    const [row] = rowsOf(
      db.dbPath,
      "SELECT c.guid AS guid, h.id AS handle FROM message m JOIN chat_message_join j ON j.message_id = m.ROWID " +
        "JOIN chat c ON c.ROWID = j.chat_id JOIN handle h ON h.ROWID = m.handle_id WHERE m.ROWID = ?",
      result.id,
    );
    expect(row).toEqual({ guid: "iMessage;-;+15554443333", handle: "+15554443333" });
  });

  it("sends a staged file without text and answers without id", async () => {
    const source = join(db.directory, "pic.png");
    writeFileSync(source, "png");
    expect(await sim.call("send", { chat_guid: "iMessage;-;+15551234567", file: source })).toEqual({
      ok: true,
      transport: "applescript",
    });
    const staged = rowsOf(
      db.dbPath,
      "SELECT a.filename AS filename FROM attachment a WHERE a.transfer_name = 'pic.png'",
    )[0]?.filename as string;
    expect(staged).toMatch(/^~\/Library\/Messages\/Attachments\//);
  });

  it("routes over the bridge once it is up and answers transport bridge with a guid and no id", async () => {
    writeBridgeState(db.dbPath, { sip: "disabled", launched: true });
    const result = (await sim.call("send", { chat_id: 1, text: "via bridge" })) as Record<string, unknown>;
    expect(result).toEqual({ ok: true, transport: "bridge", guid: expect.any(String) });
    expect(rowsOf(db.dbPath, "SELECT is_from_me FROM message WHERE guid = ?", result.guid as string)).toEqual([
      { is_from_me: 1 },
    ]);
    writeBridgeState(db.dbPath, { launched: true, fallen: true });
    const fallback = (await sim.call("send", { chat_id: 1, text: "bridge fell out" })) as Record<string, unknown>;
    expect(fallback.transport).toBe("applescript");
    expect(await errorData(sim, "send", { chat_id: 1, text: "x", transport: "bridge" })).toEqual([
      -32603,
      "Timed out waiting for response to 'send-message'",
    ]);
    writeBridgeState(db.dbPath, { sip: "enabled", launched: false, fallen: false });
  });
});

describe("typing and read", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath] });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it("validates target and service with the exact texts", async () => {
    for (const method of ["typing", "read"]) {
      expect(await errorData(sim, method, { to: "+15551234567", chat_id: 1 })).toEqual([
        -32602,
        "use to or chat_*; not both",
      ]);
      expect(await errorData(sim, method, {})).toEqual([-32602, "to is required"]);
      expect(await errorData(sim, method, { chat_id: 77 })).toEqual([-32602, "unknown chat_id 77"]);
    }
    expect(await errorData(sim, "typing", { to: "+15551234567", service: "Pager" })).toEqual([-32602, "Pager"]);
  });

  it("needs the bridge on the Mac: typing fails with its text, read with Foundation's generic text", async () => {
    expect(await errorData(sim, "typing", { chat_id: 1 })).toEqual([
      -32603,
      "Typing indicator failed: IMCore typing needs the imsg bridge on this macOS; run `imsg launch` (SIP disabled).",
    ]);
    expect(await errorData(sim, "read", { chat_id: 1 })).toEqual([
      -32603,
      "The operation couldn’t be completed. (IMsgCore.IMCoreBridgeError error 0.)",
    ]);
    writeBridgeState(db.dbPath, { sip: "disabled", launched: true });
    expect(await sim.call("typing", { to: "+15551234567", service: "SMS", typing: false })).toEqual({ ok: true });
    expect(await sim.call("read", { chat_guid: "iMessage;-;+15551234567" })).toEqual({ ok: true });
  });
});

describe("bridge methods", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath], env: { HOME: db.home } });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it("fails every bridge method with the SIP text while SIP is on", async () => {
    for (const method of ["send.rich", "chats.delete", "chats.markUnread", "group.leave", "group.setIcon"]) {
      expect(await errorData(sim, method, { chat_id: 2 })).toEqual([
        -32603,
        "System Integrity Protection (SIP) is enabled. Refusing to inject into Messages.app. Disable SIP in Recovery mode before using `imsg launch`.",
      ]);
    }
  });

  it("resolves the chat target first, with the exact texts", async () => {
    expect(await errorData(sim, "tapback", { message_id: parentGuid, reaction: "love" })).toEqual([
      -32602,
      "chat_guid, chat_identifier, or chat_id is required",
    ]);
    expect(await errorData(sim, "message.delete", { chat_guid: "", message_id: parentGuid })).toEqual([
      -32602,
      "could not resolve chat GUID for chat target",
    ]);
    expect(await errorData(sim, "group.rename", { chat_id: 55, name: "x" })).toEqual([-32602, "unknown chat_id 55"]);
  });

  it("validates each method's own params with the exact texts", async () => {
    const target = { chat_guid: groupGuid };
    const cases: [string, Record<string, unknown>, string][] = [
      ["message.unsend", target, "message_id or message_guid is required"],
      ["message.notifyAnyways", { ...target, message_id: "   " }, "message_id or message_guid is required"],
      ["tapback", { ...target, message_guid: parentGuid }, "reaction, kind, or emoji is required"],
      [
        "tapback",
        { ...target, message_guid: parentGuid, reaction: "wink" },
        "unsupported tapback reaction wink; use love, like, dislike, laugh, emphasize, or question",
      ],
      ["message.edit", { ...target, messageGuid: parentGuid, text: "" }, "text is required"],
      ["send.attachment", target, "file is required"],
      ["chats.create", { addresses: [] }, "addresses is required (non-empty array of phone/email)"],
      ["group.rename", target, "name is required"],
      ["group.addParticipant", { ...target, address: "" }, "address is required"],
      ["group.removeParticipant", target, "address is required"],
    ];
    for (const [method, params, data] of cases) {
      expect(await errorData(sim, method, params)).toEqual([-32602, data]);
    }
  });

  it("launches Messages with the helper on the first call once SIP is off, then acts on the db", async () => {
    writeBridgeState(db.dbPath, { sip: "disabled", launched: false });
    expect(await sim.call("send.rich", { chat_id: 2, text: "queued hello", effect: "confetti" })).toEqual({
      ok: true,
      queued: true,
    });
    expect(
      rowsOf(db.dbPath, "SELECT expressive_send_style_id AS effect FROM message WHERE text = 'queued hello'"),
    ).toEqual([{ effect: "com.apple.messages.effect.CKConfettiEffect" }]);
    const rich = (await sim.call("send.rich", {
      chat_id: 2,
      message: "a reply",
      reply_to: parentGuid,
      dd_scan: false,
    })) as Record<string, unknown>;
    expect(rich).toEqual({ ok: true, guid: expect.any(String), message_id: rich.guid });
    expect(rowsOf(db.dbPath, "SELECT thread_originator_guid FROM message WHERE guid = ?", rich.guid as string)).toEqual(
      [{ thread_originator_guid: parentGuid }],
    );
  });

  it("tapback normalises emoji input, writes the reaction row and reports the kind", async () => {
    expect(await sim.call("tapback", { chat_id: 2, message_id: parentGuid, emoji: " 👍 " })).toEqual({
      ok: true,
      reaction: "like",
    });
    expect(await sim.call("tapback", { chat_id: 2, message_id: parentGuid, kind: "remove-heart" })).toEqual({
      ok: true,
      reaction: "remove-love",
    });
    expect(
      rowsOf(
        db.dbPath,
        "SELECT associated_message_type AS type, is_from_me, text FROM message WHERE associated_message_guid = ? ORDER BY ROWID",
        `p:0/${parentGuid}`,
      ),
    ).toEqual([
      { type: 2000, is_from_me: 0, text: "Loved “Who's bringing snacks?”" },
      { type: 2001, is_from_me: 1, text: "Liked “Who's bringing snacks?”" },
      { type: 3000, is_from_me: 1, text: "Removed a heart from “Who's bringing snacks?”" },
    ]);
    expect(await errorData(sim, "tapback", { chat_id: 2, message_id: "NOPE", reaction: "love" })).toEqual([
      -32603,
      "Dylib error: Message not found: NOPE",
    ]);
  });

  it("edits, unsends, deletes and notifies by message guid", async () => {
    const edited = "0B6E1C2A-1111-4C3B-9F00-000000000007";
    expect(await sim.call("message.edit", { chat_id: 2, message_id: edited, new_text: "I won't" })).toEqual({
      ok: true,
    });
    expect(rowsOf(db.dbPath, "SELECT text FROM message WHERE guid = ?", edited)).toEqual([{ text: "I won't" }]);
    expect(await sim.call("message.unsend", { chat_id: 2, message_guid: edited })).toEqual({ ok: true });
    expect(await sim.call("message.notifyAnyways", { chat_id: 2, message: edited })).toEqual({ ok: true });
    expect(await sim.call("message.delete", { chat_id: 2, messageId: edited })).toEqual({ ok: true });
    expect(rowsOf(db.dbPath, "SELECT ROWID FROM message WHERE guid = ?", edited)).toEqual([]);
  });

  it("sends an attachment over the bridge", async () => {
    const source = join(db.directory, "voice.m4a");
    writeFileSync(source, "m4a");
    const result = (await sim.call("send.attachment", { chat_id: 1, path: source, as_voice: true })) as Record<
      string,
      unknown
    >;
    expect(result).toEqual({ ok: true, guid: expect.any(String), message_id: result.guid });
    expect(await errorData(sim, "send.attachment", { chat_id: 1, file: join(db.directory, "nope.m4a") })).toEqual([
      -32603,
      `AppleScript failed: Attachment not found at ${join(db.directory, "nope.m4a")}`,
    ]);
  });

  it("creates, renames, edits membership of, marks, and deletes chats", async () => {
    expect(await errorData(sim, "chats.create", { addresses: "+15550001000", service: "SMS" })).toEqual([
      -32603,
      "Dylib error: Unsupported chat-create service: SMS",
    ]);
    const created = (await sim.call("chats.create", {
      addresses: "+15550001000, +15550002000",
      name: "Project",
      text: "kickoff",
    })) as { chat_guid: string };
    expect(created.chat_guid).toMatch(/^iMessage;\+;chat\d{18}$/);
    expect(await sim.call("group.rename", { chat_guid: created.chat_guid, name: "Project X" })).toEqual({ ok: true });
    expect(await sim.call("group.addParticipant", { chat_guid: created.chat_guid, address: "x@example.com" })).toEqual({
      ok: true,
    });
    expect(
      await sim.call("group.removeParticipant", { chat_guid: created.chat_guid, address: "+15550001000" }),
    ).toEqual({ ok: true });
    expect(
      rowsOf(
        db.dbPath,
        "SELECT c.display_name AS name, h.id AS member FROM chat c JOIN chat_handle_join j ON j.chat_id = c.ROWID " +
          "JOIN handle h ON h.ROWID = j.handle_id WHERE c.guid = ? ORDER BY h.id",
        created.chat_guid,
      ),
    ).toEqual([
      { name: "Project X", member: "+15550002000" },
      { name: "Project X", member: "x@example.com" },
    ]);
    expect(await sim.call("group.setIcon", { chat_guid: created.chat_guid, file: "~/icon.png" })).toEqual({ ok: true });
    expect(await sim.call("chats.markUnread", { chat_identifier: "+15551234567" })).toEqual({ ok: true });
    expect(await sim.call("group.leave", { chat_guid: created.chat_guid })).toEqual({ ok: true });
    expect(await sim.call("chats.delete", { chat_guid: created.chat_guid })).toEqual({ ok: true });
    expect(rowsOf(db.dbPath, "SELECT ROWID FROM chat WHERE guid = ?", created.chat_guid)).toEqual([]);
    expect(await errorData(sim, "chats.delete", { chat_guid: "iMessage;+;ghost" })).toEqual([
      -32603,
      "Dylib error: Chat not found: iMessage;+;ghost",
    ]);
  });

  it("reports selectors this macOS lacks, and an unknown SIP status", async () => {
    writeBridgeState(db.dbPath, {
      selectors: { editMessageItem: false, editMessage: false, retractMessagePart: false, sendMessageReason: true },
    });
    const target = { chat_id: 2, message_id: parentGuid };
    expect(await errorData(sim, "message.edit", { ...target, text: "new" })).toEqual([
      -32603,
      "Dylib error: No edit-message selector available on this macOS",
    ]);
    expect(await errorData(sim, "message.unsend", target)).toEqual([
      -32603,
      "Dylib error: retractMessagePart: not available on this macOS",
    ]);
    writeBridgeState(db.dbPath, { sip: "unknown" });
    const [code, data] = await errorData(sim, "message.notifyAnyways", target);
    expect(code).toBe(-32603);
    expect(data).toMatch(/^Unable to determine SIP status\. Refusing to inject into Messages\.app\. Details: /);
    writeBridgeState(db.dbPath, {
      sip: "disabled",
      selectors: { editMessageItem: true, editMessage: false, retractMessagePart: true, sendMessageReason: true },
    });
  });

  it("fails with the timeout text once the bridge falls out", async () => {
    writeBridgeState(db.dbPath, { fallen: true });
    expect(await errorData(sim, "chats.markUnread", { chat_id: 1 })).toEqual([
      -32603,
      "Timed out waiting for response to 'mark-chat-unread'",
    ]);
  });
});

describe("per-process chat cache (docs/imsg-protocol.md#caching)", () => {
  it("keeps serving a chat's name and participants until the sim restarts", async () => {
    const db = exampleChatDb();
    const first = new SimProcess({ args: ["rpc", "--db", db.dbPath] });
    await first.call("chats.list");
    execSql(
      db.dbPath,
      "UPDATE chat SET display_name = 'Renamed' WHERE ROWID = 2; INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (2, 1);",
    );
    const stale = (await first.call("chats.list", { limit: 1 })) as { chats: Record<string, unknown>[] };
    expect(stale.chats[0]).toMatchObject({ name: "Weekend Crew", participants: ["+15559876543", "jane@example.com"] });
    const history = (await first.call("messages.history", { chat_id: 2, limit: 1 })) as {
      messages: Record<string, unknown>[];
    };
    expect(history.messages[0]?.chat_name).toBe("Weekend Crew");
    await first.close();
    const second = new SimProcess({ args: ["rpc", "--db", db.dbPath] });
    const fresh = (await second.call("chats.list", { limit: 1 })) as { chats: Record<string, unknown>[] };
    expect(fresh.chats[0]).toMatchObject({
      name: "Renamed",
      participants: ["+15551234567", "+15559876543", "jane@example.com"],
    });
    await second.close();
    db.remove();
  });
});
