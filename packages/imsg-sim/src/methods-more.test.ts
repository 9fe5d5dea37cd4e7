// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const groupGuid = "iMessage;+;chat123456789012345678";
const snacksGuid = "0B6E1C2A-1111-4C3B-9F00-000000000003";
const uppercaseGuid = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

interface PollSent {
  guid: string;
  message_id: string;
  comment: { requested: boolean; sent: boolean; message_guid?: string };
  poll: { options: { id: string; text: string }[] };
}

function pngHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write("IHDR", 12, "latin1");
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header;
}

function query(dbPath: string, sql: string, ...values: string[]): Record<string, unknown>[] {
  const database = new DatabaseSync(dbPath, { readOnly: true });
  const rows = database.prepare(sql).all(...values) as Record<string, unknown>[];
  database.close();
  return rows;
}

async function errorOf(sim: SimProcess, method: string, params: unknown): Promise<[number, unknown]> {
  const response = await sim.request(method, params);
  if (!response.error) throw new Error(`${method} unexpectedly succeeded: ${JSON.stringify(response.result)}`);
  return [response.error.code, response.error.data];
}

describe("polls, multipart, stickers, handles.check and contacts (0.15.10)", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({
      args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.15.10", "--bridge", "up", "--sms-only", "+15557770000"],
      env: { HOME: db.home },
    });
  });
  afterAll(async () => {
    await sim.close();
    db.remove();
  });

  it("poll.send writes a poll row and its caption; history shows the poll object", async () => {
    const sent = (await sim.call("poll.send", {
      chat_guid: groupGuid,
      question: "Dinner?",
      options: ["Pizza", "Sushi"],
      comment: "Vote by 6",
    })) as unknown as PollSent;
    expect(sent).toMatchObject({
      ok: true,
      event: "imessage.poll.created",
      guid: expect.stringMatching(uppercaseGuid),
      poll: { kind: "created", event: "imessage.poll.created", question: "Dinner?" },
      comment: { requested: true, sent: true, verified: true, message_guid: expect.stringMatching(uppercaseGuid) },
    });
    expect(sent.message_id).toBe(sent.guid);
    expect(sent.poll.options.map((option: { text: string }) => option.text)).toEqual(["Pizza", "Sushi"]);
    const history = (await sim.call("messages.history", { chat_id: 2, limit: 2 })) as {
      messages: Record<string, unknown>[];
    };
    const byGuid = new Map(history.messages.map((message) => [message.guid, message]));
    expect(byGuid.get(sent.comment.message_guid)).toMatchObject({ text: "Vote by 6" });
    expect(byGuid.get(sent.guid)).not.toHaveProperty("poll.votes");
    expect(byGuid.get(sent.guid)).toMatchObject({
      text: "",
      guid: sent.guid,
      balloon_bundle_id: "com.apple.messages.MSMessageExtensionBalloonPlugin:0000000000:com.apple.messages.Polls",
      poll: { kind: "created", poll_guid: sent.guid, question: "Dinner?", options: sent.poll.options },
    });
  });

  it("poll.vote and poll.unvote select options by index, text or id and report what remains", async () => {
    const sent = (await sim.call("poll.send", {
      chat_id: 2,
      question: "Day?",
      options: ["Sat", "Sun"],
      suppress_comment: true,
    })) as unknown as PollSent;
    expect(sent.comment).toEqual({ requested: false, sent: false });
    const [sat, sun] = sent.poll.options;
    const voted = await sim.call("poll.vote", { chat_id: 2, poll_guid: sent.guid, option_index: 1 });
    expect(voted).toMatchObject({ ok: true, event: "imessage.poll.voted", option_id: sat!.id, option_text: "Sat" });
    await sim.call("messages.poll.vote", { chat_id: 2, poll_guid: sent.guid, option: "sun" });
    const history = (await sim.call("messages.history", { chat_id: 2, limit: 3 })) as {
      messages: { poll?: { vote?: { option_id: string } } }[];
    };
    const sunVote = history.messages.find((message) => message.poll?.vote?.option_id === sun!.id);
    expect(sunVote?.poll).toMatchObject({
      kind: "vote",
      event: "imessage.poll.voted",
      poll_guid: sent.guid,
      vote: { option_id: sun!.id, participant: "me@icloud.com", event_type: "voted" },
    });
    const unvoted = await sim.call("polls.unvote", { chat_id: 2, poll_guid: sent.guid, option_id: sat!.id });
    expect(unvoted).toMatchObject({ event: "imessage.poll.unvoted", remaining_option_ids: [sun!.id] });
    expect(await errorOf(sim, "poll.unvote", { chat_id: 2, poll_guid: sent.guid, option_id: sat!.id })).toEqual([
      -32602,
      `option_id ${sat!.id} is not currently selected`,
    ]);
    expect(await errorOf(sim, "poll.vote", { chat_id: 2, poll_guid: sent.guid, option_index: 3 })).toEqual([
      -32602,
      "option_index 3 out of range (1...2)",
    ]);
    expect(await errorOf(sim, "poll.vote", { chat_id: 2, poll_guid: sent.guid })).toEqual([
      -32602,
      "one of option_id, option_index, or option is required",
    ]);
    expect(await errorOf(sim, "poll.vote", { chat_id: 2, poll_guid: snacksGuid, option_index: 1 })).toEqual([
      -32602,
      `poll ${snacksGuid} not found or not decodable`,
    ]);
  });

  it("poll.send refuses a comment together with suppress_comment", async () => {
    const params = { chat_id: 2, question: "Q?", options: ["a", "b"], comment: "c", suppress_comment: true };
    expect(await errorOf(sim, "poll.send", params)).toEqual([
      -32602,
      "comment cannot be combined with suppress_comment: true",
    ]);
  });

  it("send.multipart writes one message of its parts and answers parts_count; refuses file parts", async () => {
    const result = await sim.call("send.multipart", { chat_id: 1, parts: [{ text: "one " }, { text: "two" }] });
    expect(result).toEqual({
      ok: true,
      id: expect.any(Number),
      guid: expect.stringMatching(uppercaseGuid),
      message_id: result.guid,
      chat_guid: "iMessage;-;+15551234567",
      parts_count: 2,
    });
    expect(query(db.dbPath, "SELECT text, part_count FROM message WHERE guid = ?", result.guid as string)).toEqual([
      { text: "one two", part_count: 2 },
    ]);
    expect(await errorOf(sim, "send.multipart", { chat_id: 1, parts: [{ text: "x", file: "/tmp/a" }] })).toEqual([
      -32602,
      "file parts are not supported",
    ]);
    expect(await errorOf(sim, "send.multipart", { chat_id: 1, parts: [{ text: " " }] })).toEqual([
      -32602,
      "parts[0].text must be a non-empty string",
    ]);
    expect(await errorOf(sim, "send.multipart", { chat_id: 1, parts: [] })).toEqual([
      -32602,
      "parts must contain between 1 and 20 text parts",
    ]);
  });

  it("send.sticker sends a small PNG as a sticker on a message, answering its transfer guid", async () => {
    const file = join(db.directory, "sticker.png");
    writeFileSync(file, pngHeader(300, 300));
    const result = await sim.call("send.sticker", { chat_id: 2, file, attach_to: `p:0/${snacksGuid}` });
    expect(result).toEqual({
      ok: true,
      transfer_guid: expect.stringMatching(/^AT_0_/),
      guid: expect.stringMatching(uppercaseGuid),
      message_id: result.guid,
    });
    expect(
      query(
        db.dbPath,
        "SELECT a.is_sticker AS is_sticker, m.associated_message_guid AS target FROM message m " +
          "JOIN message_attachment_join j ON j.message_id = m.ROWID JOIN attachment a ON a.ROWID = j.attachment_id " +
          "WHERE a.guid = ?",
        result.transfer_guid as string,
      ),
    ).toEqual([{ is_sticker: 1, target: `p:0/${snacksGuid}` }]);
  });

  it("send.sticker's own checks: unknown keys, one selector (null counts), nonempty, image limits", async () => {
    const big = join(db.directory, "big.png");
    writeFileSync(big, pngHeader(1000, 10));
    const text = join(db.directory, "note.txt");
    writeFileSync(text, "hello");
    expect(await errorOf(sim, "send.sticker", { chat_id: 2, file: big, zebra: 1, alpha: 2 })).toEqual([
      -32602,
      "unknown send.sticker param: alpha",
    ]);
    expect(await errorOf(sim, "send.sticker", { chat_id: 2, chat_guid: null, file: big })).toEqual([
      -32602,
      "exactly one of chat_id, chat_identifier, or chat_guid is required",
    ]);
    expect(await errorOf(sim, "send.sticker", { chat_guid: "", file: big })).toEqual([
      -32602,
      "chat_guid must be a nonempty string",
    ]);
    expect(await errorOf(sim, "send.sticker", { chat_id: 2 })).toEqual([-32602, "file is required"]);
    expect(await errorOf(sim, "send.sticker", { chat_id: 2, file: big })).toEqual([
      -32602,
      "sticker must be at most 618×618 pixels (got 1000×10)",
    ]);
    expect(await errorOf(sim, "send.sticker", { chat_id: 2, file: text })).toEqual([
      -32602,
      "sticker must be a PNG, APNG, GIF or JPEG image",
    ]);
  });

  it("handles.check reports iMessage availability with destination and id_status", async () => {
    expect(await sim.call("handles.check", { address: "(555) 123-4567" })).toEqual({
      ok: true,
      address: "(555) 123-4567",
      alias_type: "phone",
      destination: "tel:+15551234567",
      id_status: 1,
      available: true,
      service: "iMessage",
    });
    expect(await sim.call("handles.check", { address: "+15557770000" })).toMatchObject({
      available: false,
      id_status: 2,
    });
    expect(await sim.call("handles.check", { address: "Jane@Example.com" })).toMatchObject({
      alias_type: "email",
      destination: "mailto:jane@example.com",
    });
    expect(await errorOf(sim, "handles.check", { address: "x", alias_type: "fax" })).toEqual([
      -32602,
      "alias_type must be phone or email",
    ]);
    expect(await errorOf(sim, "handles.check", { address: "x", service: "SMS" })).toEqual([
      -32602,
      "handles.check only supports service iMessage",
    ]);
  });

  it("contacts.shouldShareContact offers the card until contacts.shareContactCard shared it", async () => {
    expect(await sim.call("contacts.shouldShareContact", { chat_id: 1 })).toEqual({
      ok: true,
      can_inspect_offer: true,
      can_share: true,
      should_offer: true,
    });
    expect(await sim.call("contacts.shareContactCard", { chat_id: 1 })).toEqual({ ok: true, requested: true });
    expect(await sim.call("contacts.shouldShareContact", { chat_id: 1 })).toMatchObject({ should_offer: false });
  });
});

describe("handles.check without the bridge", () => {
  it("answers -32603 with imsg's bridge text", async () => {
    const db = exampleChatDb();
    const sim = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--imsg-version", "0.10.0"] });
    try {
      expect(await errorOf(sim, "handles.check", { address: "+15551234567" })).toEqual([
        -32603,
        "handles.check requires bridge transport (Messages.app must be injected)",
      ]);
    } finally {
      await sim.close();
      db.remove();
    }
  });
});
