// @module-tag slow — real child processes or a long run: `pnpm test:fast` leaves it out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimProcess } from "./sim-process.ts";
import { exampleChatDb, type TempChatDb } from "./test-support/temp-chat-db.ts";

const cards = [
  { given: "Ann", family: "Lee", phones: ["(555) 123-4567"] },
  { given: "Jane", family: "Roe", emails: ["Jane@Example.com"] },
  { given: "Janet", family: "Poe", nickname: "JP", phones: ["+15559876543"] },
];

describe("Contacts on the simulated Mac", () => {
  let db: TempChatDb;
  let mac: SimProcess;
  let linux: SimProcess;

  beforeAll(() => {
    db = exampleChatDb();
    const contactsPath = join(db.directory, "contacts.json");
    writeFileSync(contactsPath, JSON.stringify(cards));
    mac = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--contacts", contactsPath] });
    linux = new SimProcess({ args: ["rpc", "--db", db.dbPath, "--platform", "linux", "--contacts", contactsPath] });
  });
  afterAll(async () => {
    await mac.close();
    await linux.close();
    db.remove();
  });

  it("adds contact_name to direct chats only", async () => {
    const { chats } = (await mac.call("chats.list")) as { chats: Record<string, unknown>[] };
    expect(chats[0]).not.toHaveProperty("contact_name");
    expect(chats[1]).toMatchObject({ identifier: "+15551234567", contact_name: "Ann Lee" });
  });

  it("adds sender_name to incoming messages and reactions, never to my own", async () => {
    const { messages } = (await mac.call("messages.history", { chat_id: 2 })) as {
      messages: Record<string, unknown>[];
    };
    const [reply, mine, parent] = messages;
    expect(reply).toMatchObject({ sender: "+15559876543", sender_name: "Janet Poe" });
    expect(mine).not.toHaveProperty("sender_name");
    expect(parent).toMatchObject({ sender_name: "Jane Roe", reactions: [{ sender_name: "Janet Poe" }] });
  });

  it("resolves a send to a contact name, and refuses an ambiguous one", async () => {
    const sent = (await mac.call("send", { to: "ann", text: "by name" })) as { id: number };
    const { messages } = (await mac.call("messages.history", { chat_id: 1, limit: 1 })) as {
      messages: { id: number }[];
    };
    expect(messages[0]?.id).toBe(sent.id);
    const ambiguous = await mac.request("send", { to: "jane", text: "which one?" });
    expect(ambiguous.error).toEqual({
      code: -32602,
      message: "Invalid params",
      data: 'Invalid chat target: Multiple contacts match "jane":\n  Jane Roe: Jane@Example.com\n  Janet Poe: +15559876543\nSpecify a phone number or email instead.',
    });
  });

  it("never resolves names on Linux", async () => {
    const { chats } = (await linux.call("chats.list")) as { chats: Record<string, unknown>[] };
    expect(chats.some((chat) => "contact_name" in chat)).toBe(false);
  });
});
