// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

describe("fidelity with the example database (docs/imsg-protocol.md#example-rows)", () => {
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

  it("lists the group first, then the DM named after its identifier because display_name is NULL", async () => {
    const { chats } = (await sim.call("chats.list")) as { chats: Record<string, unknown>[] };
    expect(chats).toEqual([
      {
        id: 2,
        identifier: "chat123456789012345678",
        guid: "iMessage;+;chat123456789012345678",
        name: "Weekend Crew",
        service: "iMessage",
        last_message_at: "2026-05-01T12:09:00.000Z",
        participants: ["+15559876543", "jane@example.com"],
        is_group: true,
      },
      {
        id: 1,
        identifier: "+15551234567",
        guid: "iMessage;-;+15551234567",
        name: "+15551234567",
        service: "iMessage",
        last_message_at: "2026-05-01T12:08:00.000Z",
        participants: ["+15551234567"],
        is_group: false,
      },
    ]);
  });

  it("returns group history newest first, hides the tapback row and fills reply, sender fallback and reactions", async () => {
    const { messages } = (await sim.call("messages.history", { chat_id: 2, attachments: true })) as {
      messages: Record<string, unknown>[];
    };
    expect(messages.map((message) => message.id)).toEqual([7, 4, 3]);
    const [reply, attachmentRow, parent] = messages;
    expect(reply).toMatchObject({
      thread_originator_guid: "0B6E1C2A-1111-4C3B-9F00-000000000003",
      reply_to_text: "Who's bringing snacks?",
      reply_to_sender: "jane@example.com",
    });
    expect(reply).not.toHaveProperty("reply_to_guid");
    expect(attachmentRow).toMatchObject({ sender: "me@icloud.com", text: "\uFFFC", is_from_me: true });
    expect(attachmentRow?.attachments).toEqual([
      {
        filename: "~/Library/Messages/Attachments/4a/10/AT_0_0B6E1C2A-ATT1/IMG_0001.heic",
        transfer_name: "IMG_0001.heic",
        uti: "public.heic",
        mime_type: "image/heic",
        total_bytes: 1843200,
        is_sticker: false,
        original_path: `${db.home}/Library/Messages/Attachments/4a/10/AT_0_0B6E1C2A-ATT1/IMG_0001.heic`,
        missing: true,
      },
    ]);
    expect(parent?.reactions).toEqual([
      {
        id: 5,
        type: "love",
        emoji: "❤️",
        sender: "+15559876543",
        is_from_me: false,
        created_at: "2026-05-01T12:07:00.000Z",
      },
    ]);
  });

  it("decodes the attributedBody-only row and keeps the recipient as sender of an outgoing DM", async () => {
    const { messages } = (await sim.call("messages.history", { chat_id: 1 })) as {
      messages: Record<string, unknown>[];
    };
    expect(messages.map((message) => message.id)).toEqual([6, 2, 1]);
    expect(messages[0]?.text).toBe("See you there 👋");
    expect(messages[1]).toMatchObject({
      is_from_me: true,
      sender: "+15551234567",
      destination_caller_id: "+15550001111",
      attachments: [],
      reactions: [],
    });
  });

  it("replays every row in order with since_rowid -1 and marks the tapback as a reaction event", async () => {
    const { subscription } = (await sim.call("watch.subscribe", { since_rowid: -1, include_reactions: true })) as {
      subscription: number;
    };
    const streamed = await sim.waitFor(() => {
      const messages = sim.messagesOf(subscription);
      return messages.length >= 7 ? messages : undefined;
    });
    expect(streamed.map((message) => message.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const reaction = streamed[4]!;
    expect(reaction).toMatchObject({
      is_reaction: true,
      reaction_type: "love",
      reaction_emoji: "❤️",
      is_reaction_add: true,
      reacted_to_guid: "0B6E1C2A-1111-4C3B-9F00-000000000003",
    });
    expect(reaction).not.toHaveProperty("reply_to_guid");
    expect(reaction).not.toHaveProperty("thread_originator_guid");
    await sim.call("watch.unsubscribe", { subscription });
  });
});
