// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inject } from "./inject.ts";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, execSql, type TempChatDb } from "./test-support/temp-chat-db.ts";

describe("watch over rpc", () => {
  let db: TempChatDb;
  let sim: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    sim = new SimProcess({ args: ["rpc", "--db", db.dbPath], env: { HOME: db.home } });
  });
  afterAll(async () => {
    expect(await sim.close()).toBe(0);
    db.remove();
  });

  it("delivers an injected row through file-change detection and tails from MAX(ROWID)", async () => {
    const { subscription } = (await sim.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    const written = inject(db.dbPath, { from: "jane@example.com", group: "chat123456789012345678", text: "live!" });
    const [message] = await sim.waitFor(() => {
      const messages = sim.messagesOf(subscription);
      return messages.length > 0 ? messages : undefined;
    });
    expect(message).toMatchObject({ id: written.rowid, guid: written.guid, text: "live!", chat_id: 2, is_group: true });
    expect(sim.messagesOf(subscription)).toHaveLength(1);
    await sim.call("watch.unsubscribe", { subscription });
  });

  it("streams tapbacks as reaction events only with include_reactions", async () => {
    const target = "0B6E1C2A-1111-4C3B-9F00-000000000001";
    const plain = (await sim.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    const withReactions = (await sim.call("watch.subscribe", { debounce_ms: 0, include_reactions: true })) as {
      subscription: number;
    };
    inject(db.dbPath, { from: "+15551234567", tapback: { kind: "custom", target, remove: true } });
    const marker = inject(db.dbPath, { from: "+15551234567", text: "after the tapback" });
    await sim.waitFor(() =>
      [plain.subscription, withReactions.subscription].every((id) =>
        sim.messagesOf(id).some((message) => message.id === marker.rowid),
      ),
    );
    expect(sim.messagesOf(plain.subscription).map((message) => message.text)).toEqual(["after the tapback"]);
    const [reaction] = sim.messagesOf(withReactions.subscription);
    expect(reaction).toMatchObject({
      is_reaction: true,
      is_reaction_add: false,
      reacted_to_guid: target,
      text: "Removed a reaction",
    });
    expect(reaction).not.toHaveProperty("reaction_type");
    expect(reaction).not.toHaveProperty("reaction_emoji");
  });

  it("fills attachments when asked, with missing false for a file that exists under HOME", async () => {
    const source = join(db.directory, "note.txt");
    writeFileSync(source, "hello file");
    const { subscription } = (await sim.call("watch.subscribe", { debounce_ms: 0, attachments: true })) as {
      subscription: number;
    };
    const written = inject(db.dbPath, { from: "+15551234567", attachments: [{ path: source }], home: db.home });
    const [message] = await sim.waitFor(() => {
      const messages = sim.messagesOf(subscription);
      return messages.length > 0 ? messages : undefined;
    });
    expect(message).toMatchObject({
      id: written.rowid,
      text: "\uFFFC",
      attachments: [{ transfer_name: "note.txt", mime_type: "text/plain", total_bytes: 10, missing: false }],
    });
    const [attachment] = message!.attachments as { original_path: string }[];
    expect(attachment!.original_path.startsWith(`${db.home}/Library/Messages/Attachments/`)).toBe(true);
    await sim.call("watch.unsubscribe", { subscription });
  });

  it("ends a subscription with an error notification when its poll fails", async () => {
    const { subscription } = (await sim.call("watch.subscribe", { debounce_ms: 0 })) as { subscription: number };
    execSql(db.dbPath, "ALTER TABLE message_attachment_join RENAME TO maj_gone");
    inject(db.dbPath, { from: "+15551234567", text: "cannot be read" });
    const error = await sim.waitFor(() =>
      sim.notifications.find(
        (notification) => notification.method === "error" && notification.params.subscription === subscription,
      ),
    );
    expect(error.params).toEqual({ subscription, error: { message: "no such table: message_attachment_join" } });
    expect(await sim.call("watch.unsubscribe", { subscription })).toEqual({ ok: true });
    execSql(db.dbPath, "ALTER TABLE maj_gone RENAME TO message_attachment_join");
  });
});

describe("watch without file-change detection (Linux build)", () => {
  it("picks new rows up on the fallback poll", async () => {
    const db = exampleChatDb();
    const sim = new SimProcess({
      args: ["rpc", "--db", db.dbPath, "--platform", "linux", "--poll-interval-ms", "100"],
    });
    const { subscription } = (await sim.call("watch.subscribe", { since_rowid: 6 })) as { subscription: number };
    const written = inject(db.dbPath, { from: "+15551234567", text: "polled" });
    const messages = await sim.waitFor(() => {
      const received = sim.messagesOf(subscription);
      return received.length >= 2 ? received : undefined;
    });
    expect(messages.map((message) => message.id)).toEqual([7, written.rowid]);
    await sim.close();
    db.remove();
  });
});
